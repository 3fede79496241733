import { randomUUID } from 'node:crypto';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { layout } from '../domain/repository-layout.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * A garbage collection announces itself in the repository while it runs (`__gc_running/<id>`), so that a
 * backup can tell whether one may delete a blob it found present. The race it closes: a collection reads
 * the `__meta` files just before a backup writes its own, decides a blob is unused, and deletes it after
 * the backup found it present. Such a collection began before that `__meta` was written and deletes
 * after the blob was seen, so its marker exists throughout: a backup that looks for markers after writing
 * its `__meta` and before looking for blobs sees it. A collection that begins later reads that `__meta`
 * and keeps every blob it names. The marker lives in the repository, not in this installation's tables,
 * because another cluster sharing the repository may collect too.
 *
 * A collection that dies leaves its marker: later backups then check their blobs once more before they
 * commit, as they do when one is running. That costs a listing, never a blob.
 */
export async function whileCollecting<T>(store: ObjectStore, repo: RepositoryRecord, collect: () => Promise<T>): Promise<T> {
  const key = layout.gcMarker(repo.name, randomUUID());
  // No marker, no collection: deleting unannounced would reopen the race.
  await store.put(key, Buffer.from(`${JSON.stringify({ started: new Date().toISOString() })}\n`));
  try {
    return await collect();
  } finally {
    await store.delete(key).catch(() => {
      // Left behind, the marker only makes backups check their blobs again; the collection's own
      // outcome is what the caller needs to hear.
    });
  }
}

/** Whether any garbage collection has announced itself (running now, or died without clearing its marker). */
export async function collectionAnnounced(store: ObjectStore, repo: RepositoryRecord): Promise<boolean> {
  for await (const _ of store.list(layout.gcMarkersPrefix(repo.name), { sizes: false })) return true;
  return false;
}
