import { setTimeout as sleep } from 'node:timers/promises';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { NotFoundError } from '../domain/errors.ts';
import { layout } from '../domain/repository-layout.ts';
import type { Clock } from '../ports/clock.ts';
import { sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { MARKERS_READ_AT_MOST, RENEW_AFTER_MS, markerRenewedAt, readMarker } from './gc-markers.ts';

/**
 * A collection a backup saw announced after writing its `__meta`: the marker's key, a digest of its content
 * (which changes when the collection renews it), and when it was last renewed, as the marker says.
 *
 * Seeing it is not enough. Such a collection may have decided to delete a blob before that `__meta` existed
 * and send the delete only after the backup's last check of its blobs (its batch of deletions takes a while,
 * or its process stalls): the backup would commit a snapshot missing that blob. So before that last check
 * the backup waits until each collection it saw has ended (its marker gone) or renewed its marker. A
 * renewal proves two things. The deletions it decided on before are done, since a collection renews only
 * between groups of deletions. And it then reads the `__meta` files written meanwhile, this one included,
 * before deleting more. A marker not renewed for SEEN_COLLECTION_WAIT_MS is a collection that has stopped
 * (died, or paused: it renews and reads those files before it deletes again, gc-markers.ts), so the wait
 * ends there too: counted from the marker's own date (a collection killed a while ago costs no wait), and
 * at the latest from when the backup saw it (a marker without a date, or dated ahead of this clock).
 */
export interface SeenCollection { key: string; version: string; renewed?: number }

/** How long a marker may go unrenewed before its collection counts as stopped: a live one renews well within it. */
export const SEEN_COLLECTION_WAIT_MS = RENEW_AFTER_MS + 30_000;
const POLL_MS = 1_000;
/** A marker that could not be read: it counts as unchanged for as long as it stays unreadable. */
const UNREADABLE = 'unreadable';

/** The collections announced now (at most MARKERS_READ_AT_MOST of them are read; the rest count as unreadable). */
export async function seenCollections(store: ObjectStore, repo: RepositoryRecord): Promise<SeenCollection[]> {
  const seen: SeenCollection[] = [];
  for await (const o of store.list(layout.gcMarkersPrefix(repo.name), { sizes: false })) {
    const marker = seen.length < MARKERS_READ_AT_MOST ? await read(store, o.key) : { version: UNREADABLE };
    if (marker) seen.push({ key: o.key, ...marker });
  }
  return seen;
}

/**
 * Returns once every collection in `seen` has ended, renewed its marker or stopped renewing it (see above);
 * `seenAt` is when they were seen, by `clock`. `tick` runs at every look (the job's lease and cancel check).
 */
export async function seenCollectionsPassed(
  store: ObjectStore, seen: readonly SeenCollection[], seenAt: number, clock: Clock, tick: () => Promise<void>,
): Promise<void> {
  const stopped = (s: SeenCollection) => clock.now() - Math.min(seenAt, s.renewed ?? seenAt) >= SEEN_COLLECTION_WAIT_MS;
  let waiting = seen.filter((s) => !stopped(s));
  while (waiting.length) {
    const now = await Promise.all(waiting.map((s) => read(store, s.key)));
    waiting = waiting.filter((s, i) => now[i] && (now[i].version === s.version || now[i].version === UNREADABLE) && !stopped(s));
    if (!waiting.length) return;
    await tick();
    await sleep(POLL_MS);
  }
}

/** A marker's digest and renewal time; undefined when the marker is gone. */
async function read(store: ObjectStore, key: string): Promise<Omit<SeenCollection, 'key'> | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readMarker(store, key);
  } catch (e) {
    return e instanceof NotFoundError ? undefined : { version: UNREADABLE };
  }
  const renewed = markerRenewedAt(bytes);
  return { version: sha256Hex(bytes), ...(renewed === undefined ? {} : { renewed }) };
}
