import { setTimeout as sleep } from 'node:timers/promises';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { NotFoundError } from '../domain/errors.ts';
import { layout } from '../domain/repository-layout.ts';
import type { Clock } from '../ports/clock.ts';
import { sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { MARKERS_READ_AT_MOST, RENEW_AFTER_MS, readMarker } from './gc-markers.ts';

/**
 * A collection a backup saw announced after writing its `__meta`: the marker's key and a digest of its
 * content, which changes when the collection renews it.
 *
 * Seeing it is not enough. Such a collection may have decided to delete a blob before that `__meta` existed
 * and send the delete only after the backup's last check of its blobs (its batch of deletions takes a while,
 * or its process stalls): the backup would commit a snapshot missing that blob. So before that last check
 * the backup waits until each collection it saw has ended (its marker gone) or renewed its marker. A
 * renewal proves two things. The deletions it decided on before are done, since a collection renews only
 * between groups of deletions. And it then reads the `__meta` files written meanwhile, this one included,
 * before deleting more. A marker not renewed for RENEW_AFTER_MS and more is a collection that has stopped;
 * it renews and reads those files before it deletes again (gc-markers.ts), so the wait ends there too.
 */
export interface SeenCollection { key: string; version: string }

/** The wait's bound, from when the collections were seen: a live collection renews well within it. */
export const SEEN_COLLECTION_WAIT_MS = RENEW_AFTER_MS + 30_000;
const POLL_MS = 1_000;
/** A marker that could not be read: it counts as unchanged for as long as it stays unreadable. */
const UNREADABLE = 'unreadable';

/** The collections announced now (at most MARKERS_READ_AT_MOST of them are read; the rest count as unreadable). */
export async function seenCollections(store: ObjectStore, repo: RepositoryRecord): Promise<SeenCollection[]> {
  const seen: SeenCollection[] = [];
  for await (const o of store.list(layout.gcMarkersPrefix(repo.name), { sizes: false })) {
    const version = seen.length < MARKERS_READ_AT_MOST ? await versionOf(store, o.key) : UNREADABLE;
    if (version !== undefined) seen.push({ key: o.key, version });
  }
  return seen;
}

/**
 * Returns once every collection in `seen` has ended or renewed its marker, or SEEN_COLLECTION_WAIT_MS after
 * `seenAt` (this cluster's clock) at the latest. `tick` runs at every look (the job's lease and cancel check).
 */
export async function seenCollectionsPassed(
  store: ObjectStore, seen: readonly SeenCollection[], seenAt: number, clock: Clock, tick: () => Promise<void>,
): Promise<void> {
  let waiting = seen;
  for (;;) {
    const now = await Promise.all(waiting.map((s) => versionOf(store, s.key)));
    waiting = waiting.filter((s, i) => now[i] !== undefined && (now[i] === s.version || now[i] === UNREADABLE));
    if (!waiting.length || clock.now() - seenAt >= SEEN_COLLECTION_WAIT_MS) return;
    await tick();
    await sleep(POLL_MS);
  }
}

/** The digest of a marker's content; undefined when the marker is gone. */
async function versionOf(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    return sha256Hex(await readMarker(store, key));
  } catch (e) {
    return e instanceof NotFoundError ? undefined : UNREADABLE;
  }
}
