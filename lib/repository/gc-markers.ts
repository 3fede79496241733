import { randomUUID } from 'node:crypto';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { layout } from '../domain/repository-layout.ts';
import type { Clock } from '../ports/clock.ts';
import { readBytes } from '../ports/object-io.ts';
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
 * A collection that dies leaves its marker, and backups would check their blobs once more for ever. So a
 * marker is a lease: its collection renews it at least every RENEW_AFTER_MS while it deletes, and the next
 * collection removes any marker not renewed for STALE_AFTER_MS. A collection that was paused past its
 * renewal (a suspended laptop, a stopped process) renews before it deletes again and reads the `__meta`
 * written meanwhile: a backup that found its marker gone wrote its `__meta` before that renewal.
 */
export const RENEW_AFTER_MS = 60_000;
export const STALE_AFTER_MS = 60 * 60_000;
/** Markers are a few dozen bytes: a larger one is not ours, and is not read. */
const MARKER_MAX_BYTES = 1024;
/** The most markers one collection reads and judges; more are left for the next one. */
export const MARKERS_READ_AT_MOST = 100;

export interface CollectionLease {
  /**
   * Renews the marker if its renewal is due. True when it was: what was decided before may be stale,
   * and the caller reads the `__meta` files written meanwhile before it deletes anything.
   */
  renewIfDue(): Promise<boolean>;
}

export async function whileCollecting<T>(
  store: ObjectStore, repo: RepositoryRecord, clock: Clock, collect: (lease: CollectionLease) => Promise<T>,
): Promise<T> {
  const key = layout.gcMarker(repo.name, randomUUID());
  const started = new Date(clock.now()).toISOString();
  let renewed = clock.now();
  const announce = async () => {
    renewed = clock.now();
    await store.put(key, Buffer.from(`${JSON.stringify({ started, renewed: new Date(renewed).toISOString() })}\n`));
  };
  // No marker, no collection: deleting unannounced would reopen the race.
  await announce();
  try {
    await removeStaleMarkers(store, repo, clock, key);
    return await collect({
      async renewIfDue() {
        if (clock.now() - renewed < RENEW_AFTER_MS) return false;
        await announce();
        return true;
      },
    });
  } finally {
    await store.delete(key).catch(() => {
      // Left behind, the marker only makes backups check their blobs again until it is stale; the
      // collection's own outcome is what the caller needs to hear.
    });
  }
}

/**
 * Removes the markers of collections that died: not renewed for STALE_AFTER_MS, dated further ahead than
 * that (no clock is that wrong), too large, or not a marker at all (this release writes nothing else there).
 * A marker that cannot be read for another reason (a storage error) stays.
 */
async function removeStaleMarkers(store: ObjectStore, repo: RepositoryRecord, clock: Clock, own: string): Promise<void> {
  let read = 0;
  for await (const o of store.list(layout.gcMarkersPrefix(repo.name))) {
    if (o.key === own) continue;
    if (++read > MARKERS_READ_AT_MOST) break;
    const at = o.size > MARKER_MAX_BYTES ? undefined : await renewedAt(store, o.key);
    if (at === null) continue;
    if (at !== undefined && Math.abs(clock.now() - at) < STALE_AFTER_MS) continue;
    // Housekeeping: a marker that will not go stays until a later collection, and this one goes on.
    await store.delete(o.key).catch(() => undefined);
  }
}

/** A marker's content, up to one byte past the limit: that byte tells a marker that is too large, whatever a listing said of its size. */
export async function readMarker(store: ObjectStore, key: string): Promise<Buffer> {
  return readBytes(await store.get(key, { start: 0, end: MARKER_MAX_BYTES }));
}

/** When a marker was last renewed; undefined when it is not a marker; null when it could not be read. */
async function renewedAt(store: ObjectStore, key: string): Promise<number | undefined | null> {
  try {
    return markerRenewedAt(await readMarker(store, key));
  } catch {
    return null;
  }
}

/** When the marker with this content was last renewed, by its collection's clock; undefined when it is not a marker. */
export function markerRenewedAt(bytes: Buffer): number | undefined {
  if (bytes.length > MARKER_MAX_BYTES) return undefined;
  try {
    const m = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof m !== 'object' || m === null) return undefined;
    // Markers written before renewals existed have `started` only.
    const { started, renewed } = m as { started?: unknown; renewed?: unknown };
    const when = typeof renewed === 'string' ? renewed : started;
    const t = typeof when === 'string' ? Date.parse(when) : NaN;
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}
