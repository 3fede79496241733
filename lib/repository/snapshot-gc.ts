import { unseal } from '../domain/envelope.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { blobKey, blobSha, layout, parseSnapshotKey } from '../domain/repository-layout.ts';
import type { SnapshotMeta } from '../domain/snapshot-types.ts';
import { validateSnapshotMeta } from '../domain/snapshot-validation.ts';
import { getText, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Blob garbage collection after a snapshot is dropped. A blob is deleted only if no `__meta` file in the
 * repository names it: finished snapshots, and backups still running (they write `__meta` before looking
 * for blobs they can skip). The metadata is read again before every batch of deletions, and a backup
 * checks its blobs once more before it commits, so a concurrent backup never commits a missing blob.
 */
const BATCH = 500;

async function referencedBlobs(store: ObjectStore, repo: RepositoryRecord): Promise<Set<string> | undefined> {
  const refs = new Set<string>();
  for await (const o of store.list(layout.snapshotsPrefix(repo.name))) {
    const k = parseSnapshotKey(repo.name, o.key);
    if (!k || !k.file.startsWith('__meta_')) continue;
    let meta: SnapshotMeta;
    try {
      meta = validateSnapshotMeta(unseal<unknown>(await getText(store, o.key), o.key, sha256Hex));
    } catch {
      // A metadata file that cannot be read, or is not valid, might name any blob: collect nothing this time.
      return undefined;
    }
    for (const t of meta.tables) {
      for (const p of t.partitions) {
        for (const tablet of [...p.tablets, ...Object.values(p.indexes ?? {}).flat()]) for (const s of tablet.segments) refs.add(s.sha256);
      }
    }
  }
  return refs;
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

/** Returns how many blobs were deleted. */
export async function collectGarbage(store: ObjectStore, repo: RepositoryRecord): Promise<number> {
  const blobs: { key: string; sha: string }[] = [];
  for await (const o of store.list(layout.blobsPrefix(repo.name))) {
    const sha = blobSha(o.key);
    if (sha) blobs.push({ key: o.key, sha });
  }
  let deleted = 0;
  for (let i = 0; i < blobs.length; i += BATCH) {
    const refs = await referencedBlobs(store, repo);
    if (!refs) return deleted;
    for (const b of blobs.slice(i, i + BATCH)) {
      if (refs.has(b.sha)) continue;
      await store.delete(b.key);
      deleted++;
    }
  }
  return deleted;
}
