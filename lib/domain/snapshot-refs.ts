import { IntegrityError } from './errors.ts';
import type { SnapshotMeta } from './snapshot-types.ts';

/**
 * `__refs_<ts>`: the distinct blobs a snapshot's `__meta` names, for garbage collection. Reading 200 snapshots
 * of 100,000 segments each as JSON (parse, checksum, validation) took a drop 104 s; this file is the same
 * answer as sorted raw hashes, 32 bytes a blob, searched without parsing. It is a cache, never the truth:
 * garbage collection trusts it only when the snapshot's `__info` (the commit point) vouches for the exact
 * `__meta` it was made from, and falls back to `__meta` whenever it is missing, stale or does not check.
 *
 * Layout: `SBREFS1\n`, the sha256 of the `__meta` object (32 bytes), the sha256 of the hash list (32
 * bytes), the count (u32, big-endian), then the hashes, ascending, no repeats.
 */
const MAGIC = Buffer.from('SBREFS1\n', 'latin1');
const HASH = 32;
const HEADER = MAGIC.length + HASH + HASH + 4;
/** 2^27 blobs (4 GiB of hashes): far past any snapshot a plan accepts; a larger count is not ours. */
export const MAX_REFS = 2 ** 27;

/** The size of a refs file naming `count` blobs. */
export const refsFileSize = (count: number) => HEADER + count * HASH;

export type BytesHasher = (bytes: Uint8Array) => string;

export interface SnapshotRefs {
  /** The sha256 (hex) of the `__meta` object these hashes were taken from. */
  metaSha256: string;
  count: number;
  /** count × 32 bytes, ascending. */
  hashes: Buffer;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The file for a `__meta` whose blobs are `hashes` (lowercase hex, any order, repeats allowed). */
export function encodeRefs(hashes: Iterable<string>, metaSha256: string, sha256: BytesHasher): Buffer {
  const sorted = [...new Set(hashes)].sort();
  for (const h of [metaSha256, ...sorted]) if (!HEX64.test(h)) throw new Error(`not a sha256: ${h}`);
  const out = Buffer.allocUnsafe(HEADER + sorted.length * HASH);
  MAGIC.copy(out, 0);
  out.write(metaSha256, MAGIC.length, 'hex');
  sorted.forEach((h, i) => out.write(h, HEADER + i * HASH, 'hex'));
  out.write(sha256(out.subarray(HEADER)), MAGIC.length + HASH, 'hex');
  out.writeUInt32BE(sorted.length, MAGIC.length + 2 * HASH);
  return out;
}

/** Reads and checks a refs file: every fault is an IntegrityError naming `where`. */
export function decodeRefs(bytes: Buffer, where: string, sha256: BytesHasher): SnapshotRefs {
  const bad = (why: string) => new IntegrityError(`${where} is corrupt: ${why}`);
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw bad('not a blob reference index');
  const count = bytes.readUInt32BE(MAGIC.length + 2 * HASH);
  if (count > MAX_REFS || bytes.length !== HEADER + count * HASH) throw bad(`${bytes.length} bytes for ${count} hashes`);
  const hashes = bytes.subarray(HEADER);
  const listed = bytes.toString('hex', MAGIC.length + HASH, MAGIC.length + 2 * HASH);
  const actual = sha256(hashes);
  if (listed !== actual) throw bad(`checksum mismatch: expected ${listed}, actual ${actual}`);
  // The first four bytes decide almost every pair without a call into Buffer.compare.
  let previous = count ? hashes.readUInt32BE(0) : 0;
  for (let i = 1; i < count; i++) {
    const head = hashes.readUInt32BE(i * HASH);
    if (head < previous || (head === previous && hashes.compare(hashes, (i - 1) * HASH, i * HASH, i * HASH, (i + 1) * HASH) <= 0)) {
      throw bad(`hash ${i} is out of order`);
    }
    previous = head;
  }
  return { metaSha256: bytes.toString('hex', MAGIC.length, MAGIC.length + HASH), count, hashes };
}

/** Whether the refs name the blob `hash` (32 raw bytes): a binary search. */
export function refsInclude(refs: SnapshotRefs, hash: Buffer): boolean {
  let lo = 0;
  let hi = refs.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = refs.hashes.compare(hash, 0, HASH, mid * HASH, (mid + 1) * HASH);
    if (c === 0) return true;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Every hash the refs name, as lowercase hex. */
export function* refsHashes(refs: SnapshotRefs): Generator<string> {
  for (let i = 0; i < refs.count; i++) yield refs.hashes.toString('hex', i * HASH, (i + 1) * HASH);
}

/** The sha256 of every segment a `__meta` names (tablets and indexes), repeats included. */
export function* metaBlobHashes(meta: SnapshotMeta): Generator<string> {
  for (const t of meta.tables) {
    for (const p of t.partitions) {
      for (const tablet of [...p.tablets, ...Object.values(p.indexes ?? {}).flat()]) {
        for (const s of tablet.segments) yield s.sha256;
      }
    }
  }
}
