import { unseal } from '../domain/envelope.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { NotFoundError, errorMessage } from '../domain/errors.ts';
import { layout } from '../domain/repository-layout.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { type SnapshotRefs, decodeRefs, encodeRefs, refsFileSize } from '../domain/snapshot-refs.ts';
import { validateSnapshotInfo } from '../domain/snapshot-validation.ts';
import { getText, readBytes, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Writes `__refs_<ts>` for the `__meta` whose object sha256 is `metaSha256`, naming `hashes` (the snapshot's
 * distinct blobs). Written just before `__info`; writing it again writes the same bytes.
 */
export async function writeSnapshotRefs(
  store: ObjectStore, repo: string, snapshot: { label: string; timestamp: string }, hashes: AsyncIterable<string>, metaSha256: string,
): Promise<void> {
  const all: string[] = [];
  for await (const h of hashes) all.push(h);
  await store.put(layout.refs(repo, snapshot.label, snapshot.timestamp), encodeRefs(all, metaSha256, sha256Hex));
}

/**
 * The refs of the snapshot whose `__meta` was listed as `meta`, or undefined when they cannot be trusted:
 * no `__info` (a backup still running, or one that failed), an `__info` that does not validate or vouches
 * for another `__meta` (sha256 and size), a refs file missing, of the wrong size for the blob count `__info`
 * records, or corrupt. The caller then reads `__meta` itself; nothing here ever widens what may be deleted.
 */
export async function trustedRefs(
  store: ObjectStore, repo: RepositoryRecord, snapshot: { label: string; timestamp: string }, meta: { size: number },
): Promise<SnapshotRefs | undefined> {
  const { label, timestamp } = snapshot;
  try {
    const infoKey = layout.info(repo.name, label, timestamp);
    const info = validateSnapshotInfo(unseal<unknown>(await getText(store, infoKey), infoKey, sha256Hex), { label, timestamp });
    if (info.meta.size !== meta.size) return undefined;
    const read = await readRefs(store, layout.refs(repo.name, label, timestamp), info);
    return read && 'refs' in read ? read.refs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A snapshot's refs file checked against its `__info`: the refs, why they cannot be trusted (a size that is
 * not the one the blob count `__info` records gives, damage, another `__meta`), or undefined when there is
 * none. Garbage collection trusts only the first; ADMIN VERIFY reports the second.
 */
export async function readRefs(store: ObjectStore, key: string, info: SnapshotInfo): Promise<{ refs: SnapshotRefs } | { problem: string } | undefined> {
  const size = refsFileSize(info.totals.blobs);
  let bytes: Buffer;
  try {
    // One byte past the expected size (the range's end is inclusive) shows a longer file without reading it all.
    bytes = await readBytes(await store.get(key, { start: 0, end: size }));
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  if (bytes.length !== size) {
    return { problem: `size ${bytes.length > size ? `over ${size}` : bytes.length}, expected ${size} for the ${info.totals.blobs} blobs __info records` };
  }
  let refs: SnapshotRefs;
  try {
    refs = decodeRefs(bytes, key, sha256Hex);
  } catch (e) {
    return { problem: errorMessage(e).replace(/^.* is corrupt: /, 'corrupt: ') };
  }
  if (refs.metaSha256 !== info.meta.sha256) return { problem: `made from another __meta (sha256 ${refs.metaSha256}, __info records ${info.meta.sha256})` };
  return { refs };
}
