import { unseal } from '../domain/envelope.ts';
import { mapBounded } from '../domain/map-bounded.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { blobKey, blobSha, layout, parseSnapshotKey } from '../domain/repository-layout.ts';
import type { SnapshotMeta } from '../domain/snapshot-types.ts';
import { validateSnapshotMeta } from '../domain/snapshot-validation.ts';
import { type SnapshotRefs, metaBlobHashes, refsHashes, refsInclude } from '../domain/snapshot-refs.ts';
import { getText, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Clock } from '../ports/clock.ts';
import { type CollectionLease, whileCollecting } from './gc-markers.ts';
import { trustedRefs } from './snapshot-refs-file.ts';

/**
 * Blob garbage collection after a snapshot is dropped. A blob is deleted only if no `__meta` file in the
 * repository names it: finished snapshots, and backups still running (they write `__meta` before looking
 * for blobs they can skip). The blobs are listed first, so every blob listed was uploaded after the `__meta`
 * naming it existed. Before every batch of deletions the `__meta` files are listed again and any that
 * appeared since (a backup that started meanwhile) are read too; each file is read once per collection, so
 * the cost grows with blobs plus metadata, not their product, and reading stops once no candidate is left.
 * A committed snapshot is read through its `__refs` (sorted blob hashes: no JSON to parse) when its `__info`
 * vouches for the `__meta` they came from; any other `__meta` is read itself. A collection announces itself
 * in the repository while it runs (gc-markers.ts); a backup that saw one checks its blobs once more before
 * it commits, so a concurrent backup never commits a missing blob.
 */
const BATCH = 500;
const DELETES_AT_ONCE = 16;
/** About log2 of a large snapshot's blob count: what one lookup in its refs costs, against one step of a walk. */
const SEARCH_STEPS = 20;
/** `__meta` files can be large (about 100 bytes per segment): a few in memory at once. */
const METAS_AT_ONCE = 2;

/** The blobs still unreferenced, and the `__meta` files already read (key and size). */
interface Collection {
  candidates: Map<string, string>;
  read: Map<string, number>;
}

/**
 * Reads the `__meta` files not read yet, a few at a time, and takes every blob they name out of the
 * candidates; once none is left, the rest need not be read (a drop that frees nothing reads one or two).
 * False when one cannot be read or is not valid: it might name any blob, so nothing more may be collected.
 */
async function readNewMetas(store: ObjectStore, repo: RepositoryRecord, c: Collection): Promise<boolean> {
  if (!c.candidates.size) return true;
  const unread: { key: string; size: number }[] = [];
  for await (const o of store.list(layout.snapshotsPrefix(repo.name))) {
    const k = parseSnapshotKey(repo.name, o.key);
    if (k && k.file.startsWith('__meta_') && c.read.get(o.key) !== o.size) unread.push(o);
  }
  const valid = await mapBounded(unread, METAS_AT_ONCE, async (o) => {
    if (!c.candidates.size) return true;
    const k = parseSnapshotKey(repo.name, o.key)!;
    const refs = await trustedRefs(store, repo, { label: k.label, timestamp: k.file.slice('__meta_'.length) }, o);
    if (refs) {
      takeOutReferenced(c.candidates, refs);
    } else {
      let meta: SnapshotMeta;
      try {
        meta = validateSnapshotMeta(unseal<unknown>(await getText(store, o.key), o.key, sha256Hex));
      } catch {
        return false;
      }
      for (const sha of metaBlobHashes(meta)) c.candidates.delete(sha);
    }
    c.read.set(o.key, o.size);
    return true;
  });
  return valid.every(Boolean);
}

/**
 * Removes from the candidates every blob the refs name: a few candidates (a drop frees one snapshot's own
 * blobs) are looked up in the sorted hashes; many (a repository clean-up) are met by walking them once.
 */
function takeOutReferenced(candidates: Map<string, string>, refs: SnapshotRefs): void {
  if (candidates.size * SEARCH_STEPS < refs.count) {
    for (const sha of [...candidates.keys()]) if (refsInclude(refs, Buffer.from(sha, 'hex'))) candidates.delete(sha);
  } else {
    for (const sha of refsHashes(refs)) candidates.delete(sha);
  }
}

/**
 * Every blob in the repository, by sha256, from one listing of `__blobs/`: the size of each plain one, and
 * which are compressed (a listing cannot tell their uncompressed size).
 */
export async function presentBlobs(store: ObjectStore, repo: RepositoryRecord): Promise<{ plain: Map<string, number>; compressed: Set<string> }> {
  const plain = new Map<string, number>();
  const compressed = new Set<string>();
  for await (const o of store.list(layout.blobsPrefix(repo.name))) {
    const b = blobKey(o.key);
    if (b?.compressed) compressed.add(b.sha256);
    else if (b) plain.set(b.sha256, o.size);
  }
  return { plain, compressed };
}

/**
 * Returns how many blobs were deleted. `only` limits the collection to those blobs (a cancelled backup's
 * own uploads); the rules stay the same.
 */
export async function collectGarbage(store: ObjectStore, repo: RepositoryRecord, clock: Clock, only?: ReadonlySet<string>): Promise<number> {
  if (only?.size === 0) return 0;
  return whileCollecting(store, repo, clock, (lease) => collect(store, repo, lease, only));
}

async function collect(store: ObjectStore, repo: RepositoryRecord, lease: CollectionLease, only?: ReadonlySet<string>): Promise<number> {
  const c: Collection = { candidates: new Map(), read: new Map() };
  for await (const o of store.list(layout.blobsPrefix(repo.name), { sizes: false })) {
    const sha = blobSha(o.key);
    if (sha && (!only || only.has(sha))) c.candidates.set(sha, o.key);
  }
  const blobs = [...c.candidates.keys()];
  let deleted = 0;
  for (let i = 0; i < blobs.length; i += BATCH) {
    if (!(await readNewMetas(store, repo, c))) return deleted;
    const batch = blobs.slice(i, i + BATCH).filter((sha) => c.candidates.has(sha));
    // One decision for the whole batch, made on the metadata read just above: deleting its blobs
    // concurrently changes nothing about which ones go. Unless the collection was paused long enough for
    // its marker to need renewing: then a backup may have missed the marker, and its `__meta` is read first.
    for (let j = 0; j < batch.length; j += DELETES_AT_ONCE) {
      if ((await lease.renewIfDue()) && !(await readNewMetas(store, repo, c))) return deleted;
      const some = batch.slice(j, j + DELETES_AT_ONCE).filter((sha) => c.candidates.has(sha));
      await Promise.all(some.map((sha) => store.delete(c.candidates.get(sha)!)));
      deleted += some.length;
    }
  }
  return deleted;
}
