import { StorageError } from '../../domain/errors.ts';
import type { ObjectStore } from '../../ports/object-store.ts';

/**
 * A READ ONLY repository is never written, whatever a caller does by mistake: puts and deletes fail
 * before anything reaches the backend. Reads pass through unchanged.
 */
export function readOnlyStore(store: ObjectStore): ObjectStore {
  const refuse = (op: string, key: string) =>
    Promise.reject(new StorageError(`Cannot ${op} ${store.description}/${key}: the store was opened read only`, false));
  return {
    description: store.description,
    local: store.local,
    put: (key) => refuse('write', key),
    delete: (key) => refuse('delete', key),
    get: (key, range) => store.get(key, range),
    head: (key) => store.head(key),
    list: (prefix, options) => store.list(prefix, options),
  };
}
