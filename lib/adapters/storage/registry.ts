import { AnalysisError } from '../../domain/errors.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { LocationUse, type TrustGuard } from '../../ports/trust-guard.ts';
import { fileBackend } from './file/file-backend.ts';
import { gcsBackend } from './gcs/gcs-backend.ts';
import { hdfsBackend } from './hdfs/hdfs-backend.ts';
import { memoryBackend } from './memory/memory-backend.ts';
import { s3Backend } from './s3/s3-backend.ts';
import type { ParseOptions, StorageBackend } from './storage-backend.ts';
import { type WrapOptions, wrapObjectStore } from './wrap-object-store.ts';

export interface OpenOptions extends WrapOptions, ParseOptions {
  /** The door's trust boundary: checks the scheme here, and every file and named endpoint at I/O time. */
  guard?: TrustGuard;
  /** What the store is for, in the guard's messages; a repository unless said otherwise. */
  use?: LocationUse;
}

/** Backends by URI scheme; each registers from its own folder. */
const backends = new Map<string, StorageBackend<unknown>>();

export function registerStorageBackend<C>(backend: StorageBackend<C>): void {
  for (const scheme of backend.schemes) backends.set(scheme.toLowerCase(), backend as StorageBackend<unknown>);
}

registerStorageBackend(fileBackend);
registerStorageBackend(memoryBackend);
registerStorageBackend(s3Backend);
registerStorageBackend(gcsBackend);
registerStorageBackend(hdfsBackend);

export function supportedSchemes(): string[] {
  return [...backends.keys()].sort();
}

/**
 * The properties the backend of a location declares secret (its `secretProperties`); for a location no
 * backend serves, every backend's, so a caller that goes on to fail still hides all it could hold.
 */
export function secretPropertiesFor(location: string): readonly string[] {
  const scheme = schemeOf(location);
  const backend = scheme === undefined ? undefined : backends.get(scheme);
  return backend ? backend.secretProperties : [...new Set([...backends.values()].flatMap((b) => b.secretProperties))];
}

/** Checks a location and its properties without opening anything (CREATE REPOSITORY's analysis). */
export function validateStorageLocation(location: string, properties: Record<string, string> = {}): void {
  backendFor(location).parse(location, properties);
}

/**
 * Opens the store a location points at, e.g. `file:///data/backups` or `s3a://bucket/backup`, wrapped
 * with retries, the concurrency limit and logging (wrap-object-store.ts); `readOnly` refuses writes.
 * Synchronous and offline: a bad location or property throws AnalysisError before any request.
 */
export function openObjectStore(location: string, properties: Record<string, string> = {}, options: OpenOptions = {}): ObjectStore {
  const { guard, use = LocationUse.REPOSITORY, defaultRegion, ...wrap } = options;
  guard?.checkLocation(location, use);
  const backend = backendFor(location);
  const config = backend.parse(location, properties, defaultRegion ? { defaultRegion } : {});
  return wrapObjectStore(backend.open(config, guard ? { guard, use } : undefined), wrap);
}

function schemeOf(location: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
}

function backendFor(location: string): StorageBackend<unknown> {
  const scheme = schemeOf(location);
  const backend = scheme === undefined ? undefined : backends.get(scheme);
  if (!backend) {
    const supported = supportedSchemes().map((s) => `${s}://`).join(', ');
    const what = scheme === undefined ? 'it has no URI scheme' : `the scheme '${scheme}' is not supported`;
    throw new AnalysisError(`Invalid location '${location}': ${what}; supported: ${supported}`);
  }
  return backend;
}
