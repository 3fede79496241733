import { createHash } from 'node:crypto';
import { unseal } from '../domain/envelope.ts';
import { AnalysisError, NotFoundError, errorMessage } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { blobKey, layout } from '../domain/repository-layout.ts';
import type { SnapshotInfo, SnapshotMeta } from '../domain/snapshot-types.ts';
import { validateSnapshotInfo, validateSnapshotMeta } from '../domain/snapshot-validation.ts';
import { getText, listAll, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { type Finding, compareMetaWithInfo, segmentsOf } from './snapshot-checks.ts';
import { repoPath, valid } from './snapshot-reader.ts';
import { refsProblems } from './verify-refs.ts';

/** What ADMIN VERIFY SNAPSHOT found in one timestamp of a snapshot: nothing, when it is sound. */
export type FileFinding = Finding & { file: string | null };

/**
 * Checks each timestamp of a snapshot (or the one given): `__info` and `__meta` exist and pass their
 * checksums, the metadata matches the info, and every blob it names exists with the right size; with
 * readData, every blob is read back and its sha256 checked. The findings of each timestamp, in order.
 */
export async function verifySnapshotFiles(
  store: ObjectStore, repo: RepositoryRecord, label: string, timestamp: string | undefined, readData: boolean,
): Promise<{ timestamp: string; findings: FileFinding[] }[]> {
  const dir = layout.snapshotDir(repo.name, label);
  const stamps = new Set<string>();
  for (const key of await listAll(store, dir)) {
    const m = /^__(?:info|meta)_(.+)$/.exec(key.slice(dir.length));
    if (m) stamps.add(m[1]!);
  }
  if (!stamps.size) throw new NotFoundError(`Snapshot does not exist in repository ${repo.name}: ${label}`);
  if (timestamp !== undefined && !stamps.has(timestamp)) {
    throw new NotFoundError(`Snapshot ${label} in repository ${repo.name} has no timestamp ${timestamp}; it has ${[...stamps].sort().join(', ')}`);
  }
  const blobs: Blobs = { plain: new Map(), compressed: new Set() };
  for await (const o of store.list(layout.blobsPrefix(repo.name))) {
    const b = blobKey(o.key);
    if (b?.compressed) blobs.compressed.add(b.sha256);
    else if (b) blobs.plain.set(b.sha256, o.size);
  }
  const out: { timestamp: string; findings: FileFinding[] }[] = [];
  for (const ts of timestamp !== undefined ? [timestamp] : [...stamps].sort()) {
    out.push({ timestamp: ts, findings: await verifyTimestamp(store, repo, label, ts, blobs, readData) });
  }
  return out;
}

async function verifyTimestamp(
  store: ObjectStore, repo: RepositoryRecord, label: string, ts: string, blobs: Blobs, readData: boolean,
): Promise<FileFinding[]> {
  const found: FileFinding[] = [];
  const infoFile = repoPath(repo, layout.info(repo.name, label, ts));
  const metaFile = repoPath(repo, layout.meta(repo.name, label, ts));
  // Every field is validated before any other check reads it; a file that fails is reported, not used.
  const validated = <T>(file: string, validate: () => T): T | undefined => {
    try {
      return valid(repo, label, ts, validate);
    } catch (e) {
      if (!(e instanceof AnalysisError)) throw e;
      found.push({ object: null, file, problem: e.message });
      return undefined;
    }
  };
  const infoBody = await readEnvelope<unknown>(store, layout.info(repo.name, label, ts), infoFile, found,
    'missing: the snapshot was never committed (a backup that did not finish, or one still running)');
  const info: SnapshotInfo | undefined = infoBody === undefined ? undefined : validated(infoFile, () => validateSnapshotInfo(infoBody));
  const metaText = await readText(store, layout.meta(repo.name, label, ts), metaFile, found);
  let meta: SnapshotMeta | undefined;
  if (metaText !== undefined) {
    let metaBody: unknown;
    try {
      metaBody = unseal<unknown>(metaText, `file ${metaFile}`, sha256Hex);
    } catch (e) {
      found.push({ object: null, file: metaFile, problem: errorMessage(e) });
    }
    if (metaBody !== undefined) meta = validated(metaFile, () => validateSnapshotMeta(metaBody));
  }
  if (info) {
    if (info.name !== label || info.timestamp !== ts) found.push({ object: null, file: infoFile, problem: `describes snapshot ${info.name} at ${info.timestamp}` });
    let metaIsInfos = false;
    if (metaText !== undefined) {
      const actual = { sha256: sha256Hex(metaText), size: Buffer.byteLength(metaText) };
      metaIsInfos = actual.sha256 === info.meta.sha256 && actual.size === info.meta.size;
      if (!metaIsInfos) {
        found.push({ object: null, file: metaFile, problem: `sha256 ${actual.sha256} and size ${actual.size}, but __info records ${info.meta.sha256} and ${info.meta.size}` });
      }
    }
    if (meta) for (const f of compareMetaWithInfo(meta, info)) found.push({ ...f, file: metaFile });
    if (meta && metaIsInfos) {
      const refsFile = repoPath(repo, layout.refs(repo.name, label, ts));
      for (const problem of await refsProblems(store, repo.name, label, ts, info, meta)) found.push({ object: null, file: refsFile, problem });
    }
  }
  if (meta) found.push(...(await verifyBlobs(store, repo, meta, blobs, readData)));
  return found;
}

/** The repository's blobs from one listing: plain ones with their size, and which are compressed. */
interface Blobs {
  plain: Map<string, number>;
  compressed: Set<string>;
}

/**
 * A blob is sound when a plain copy has the segment's size or a compressed copy exists; with readData its
 * content (decompressed by the blobStore the caller passes, which checks the frames and the header's size)
 * must hash to its name. A plain copy of the right size is read first.
 */
async function verifyBlobs(store: ObjectStore, repo: RepositoryRecord, meta: SnapshotMeta, blobs: Blobs, readData: boolean): Promise<FileFinding[]> {
  const found: FileFinding[] = [];
  const seen = new Set<string>();
  for (const { object, segment } of segmentsOf(meta)) {
    if (seen.has(segment.sha256)) continue;
    seen.add(segment.sha256);
    const size = blobs.plain.get(segment.sha256);
    const compressed = blobs.compressed.has(segment.sha256) && size !== segment.size;
    const key = (compressed ? layout.compressedBlob : layout.blob)(repo.name, segment.sha256);
    const file = repoPath(repo, key);
    if (size === undefined && !compressed) found.push({ object, file, problem: 'missing' });
    else if (size !== segment.size && !compressed) found.push({ object, file, problem: `size ${size}, expected ${segment.size}` });
    else if (readData) {
      const actual = await hashObject(store, key).catch((e: unknown) => `unreadable: ${errorMessage(e)}`);
      if (actual !== segment.sha256) found.push({ object, file, problem: actual.startsWith('unreadable') ? actual : `sha256 ${actual}, expected ${segment.sha256}` });
    }
  }
  return found;
}

async function readText(store: ObjectStore, key: string, file: string, found: FileFinding[], missing = 'missing'): Promise<string | undefined> {
  try {
    return await getText(store, key);
  } catch (e) {
    found.push({ object: null, file, problem: e instanceof NotFoundError ? missing : `unreadable: ${errorMessage(e)}` });
    return undefined;
  }
}

async function readEnvelope<T>(store: ObjectStore, key: string, file: string, found: FileFinding[], missing: string): Promise<T | undefined> {
  const text = await readText(store, key, file, found, missing);
  if (text === undefined) return undefined;
  try {
    return unseal<T>(text, `file ${file}`, sha256Hex);
  } catch (e) {
    found.push({ object: null, file, problem: errorMessage(e) });
    return undefined;
  }
}

async function hashObject(store: ObjectStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await store.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
