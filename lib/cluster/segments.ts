import { createHash } from 'node:crypto';
import type { PartitionManifest, SegmentRef } from '../domain/catalog-types.ts';
import { IntegrityError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { getJson, readBytes } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Segment files: immutable, one JSON array of canonical cell values per line. Never rewritten, so a manifest
 * that names a segment always reads the same rows, and a backup can copy bytes without decoding them.
 */
export type Row = (string | null)[];

export function segmentPath(tableId: string, partitionId: string, bucket: number): string {
  return `data/${tableId}/${partitionId}/${bucket}/${newId()}.seg`;
}

/** A load names its manifest at random (racing loads must not overwrite each other's); a restore by its job, so a re-run rewrites the same object. */
export function manifestPath(tableId: string, partitionId: string, version: number, writer: string = newId()): string {
  return `meta/${tableId}/${partitionId}/v${version}-${writer}.json`;
}

/** A row as its segment line. */
export const encodeRow = (row: Row): string => JSON.stringify(row);

/**
 * Rows already encoded: pieces of segment text, each one line or several joined by `\n` (a string, or its
 * UTF-8 bytes as a parallel load's threads hand them over), and how many rows they hold.
 */
export interface Lines { texts: (string | Uint8Array)[]; rows: number }

/** Rows as the lines of a segment. */
export const linesOf = (rows: Row[]): Lines => ({ texts: rows.map(encodeRow), rows: rows.length });

export async function writeSegment(store: ObjectStore, path: string, lines: Lines): Promise<SegmentRef> {
  const { sha256, size } = await store.put(path, segmentText(lines.texts));
  return { path, size, sha256, rows: lines.rows };
}

const NEWLINE = new Uint8Array([0x0a]);

/** The pieces as one segment body, each followed by a newline; bytes are gathered as they are, not decoded. */
function segmentText(texts: Lines['texts']): string | Uint8Array {
  if (texts.every((t) => typeof t === 'string')) return `${texts.join('\n')}\n`;
  const parts: Uint8Array[] = [];
  for (const t of texts) parts.push(typeof t === 'string' ? Buffer.from(t) : t, NEWLINE);
  return Buffer.concat(parts);
}

export async function readSegment(store: ObjectStore, ref: SegmentRef): Promise<Row[]> {
  const bytes = await readBytes(await store.get(ref.path));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256) {
    throw new IntegrityError(`Segment ${ref.path} is corrupt: sha256 ${actual}, expected ${ref.sha256}`);
  }
  return bytes.toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Row);
}

export async function readManifest(store: ObjectStore, key: string): Promise<PartitionManifest> {
  return getJson<PartitionManifest>(store, key);
}

export function emptyManifest(tableId: string, partitionId: string, buckets: number): PartitionManifest {
  return { tableId, partitionId, version: 1, tablets: Array.from({ length: buckets }, (_, bucket) => ({ bucket, segments: [] })) };
}
