import { NotFoundError } from '../domain/errors.ts';
import { mapBounded } from '../domain/map-bounded.ts';
import type { ObjectStore } from '../ports/object-store.ts';

const DELETES_AT_ONCE = 16;

/**
 * Deletes every file of a table from the data store: its segments (`data/<tableId>/…`, those a restore
 * wrote and those of its synchronous indexes included) and its manifests (`meta/<tableId>/…`). Table ids
 * are never reused, so no other table's file is under these prefixes. Safe to run again after a failure.
 */
export async function deleteTableFiles(store: ObjectStore, tableId: string): Promise<number> {
  let deleted = 0;
  for (const prefix of [`data/${tableId}/`, `meta/${tableId}/`]) {
    const keys: string[] = [];
    try {
      for await (const o of store.list(prefix, { sizes: false })) keys.push(o.key);
    } catch (e) {
      // A table that never held data has no folder to list.
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    await mapBounded(keys, DELETES_AT_ONCE, (k) => store.delete(k));
    deleted += keys.length;
  }
  return deleted;
}
