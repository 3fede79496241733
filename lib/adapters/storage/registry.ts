import { AnalysisError } from '../../domain/errors.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { fileBackend } from './file/file-backend.ts';
import { memoryBackend } from './memory/memory-backend.ts';
import type { StorageBackend } from './storage-backend.ts';

/** Backends by URI scheme. New backends (s3, gcs, hdfs) register here from their own folder. */
const backends = new Map<string, StorageBackend<unknown>>();

export function registerStorageBackend<C>(backend: StorageBackend<C>): void {
  for (const scheme of backend.schemes) backends.set(scheme.toLowerCase(), backend as StorageBackend<unknown>);
}

registerStorageBackend(fileBackend);
registerStorageBackend(memoryBackend);

export function supportedSchemes(): string[] {
  return [...backends.keys()].sort();
}

/** Checks a location and its properties without opening anything (CREATE REPOSITORY's analysis). */
export function validateStorageLocation(location: string, properties: Record<string, string> = {}): void {
  backendFor(location).parse(location, properties);
}

/** Opens the store a repository location points at, e.g. `file:///data/backups` or `memory://demo/repo`. */
export function openObjectStore(location: string, properties: Record<string, string> = {}): ObjectStore {
  const backend = backendFor(location);
  return backend.open(backend.parse(location, properties));
}

function backendFor(location: string): StorageBackend<unknown> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  const backend = scheme === undefined ? undefined : backends.get(scheme);
  if (!backend) {
    const supported = supportedSchemes().map((s) => `${s}://`).join(', ');
    const what = scheme === undefined ? 'it has no URI scheme' : `the scheme '${scheme}' is not supported`;
    throw new AnalysisError(`Invalid location '${location}': ${what}; supported: ${supported}`);
  }
  return backend;
}
