import type { RepositoryRecord } from './control-types.ts';
import { AnalysisError } from './errors.ts';

/**
 * How a backup stores the blobs it uploads (ours: StarRocks cannot compress backups). `none` writes each
 * blob as its bytes, `zstd` in the framed format of lib/repository/compressed-blob.ts under `<sha256>.zst`.
 * Either way a blob is named by the sha256 of its uncompressed content.
 */
export const Compression = { NONE: 'none', ZSTD: 'zstd' } as const;
export type CompressionValue = (typeof Compression)[keyof typeof Compression];

/** The property of BACKUP and of CREATE REPOSITORY (the repository's default). */
export const COMPRESSION_PROPERTY = 'compression';

/** Reads a `compression` value, case-insensitive; StarRocks' words for an unknown one (PropertyAnalyzer), then the choices. */
export function parseCompression(value: string): CompressionValue {
  const v = value.trim().toLowerCase();
  if (v === Compression.NONE || v === Compression.ZSTD) return v;
  throw new AnalysisError(`unknown compression type: ${value} (a backup's compression is ${Compression.ZSTD} or ${Compression.NONE})`);
}

/** A repository's default for its backups: its `compression` property (checked when it was created), else none. */
export function repositoryCompression(repo: RepositoryRecord): CompressionValue {
  const value = repo.properties[COMPRESSION_PROPERTY];
  return value === undefined ? Compression.NONE : parseCompression(value);
}
