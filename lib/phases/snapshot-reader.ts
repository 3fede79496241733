import { unseal } from '../domain/envelope.ts';
import { AnalysisError, IntegrityError, NotFoundError } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { layout } from '../domain/repository-layout.ts';
import type { SnapshotInfo, SnapshotMeta } from '../domain/snapshot-types.ts';
import { getText, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/** Reads a snapshot's files with StarRocks' messages, verifying every checksum. */
export function repoPath(repo: RepositoryRecord, key: string): string {
  return `${repo.location}/${key}`;
}

export async function readInfo(store: ObjectStore, repo: RepositoryRecord, label: string, ts: string): Promise<SnapshotInfo> {
  const key = layout.info(repo.name, label, ts);
  const fail = (why: string) => new AnalysisError(`Failed to get info of snapshot '${label}' because: ${why}. Maybe specified wrong backup timestamp`);
  let text: string;
  try {
    text = await getText(store, key);
  } catch (e) {
    if (e instanceof NotFoundError) throw fail(`Expected one file with path: ${repoPath(repo, key)}. get: 0`);
    throw e;
  }
  try {
    return unseal<SnapshotInfo>(text, `file ${repoPath(repo, key)}`, sha256Hex);
  } catch (e) {
    if (e instanceof IntegrityError) throw fail(e.message);
    throw e;
  }
}

export async function readMeta(store: ObjectStore, repo: RepositoryRecord, info: SnapshotInfo): Promise<SnapshotMeta> {
  const key = layout.meta(repo.name, info.name, info.timestamp);
  let text: string;
  try {
    text = await getText(store, key);
  } catch (e) {
    if (e instanceof NotFoundError) throw new IntegrityError(`Snapshot ${info.name} is damaged: ${repoPath(repo, key)} is missing`);
    throw e;
  }
  const actual = sha256Hex(text);
  if (actual !== info.meta.sha256) {
    throw new IntegrityError(`Snapshot ${info.name} is damaged: ${repoPath(repo, key)} has sha256 ${actual}, expected ${info.meta.sha256}`);
  }
  return unseal<SnapshotMeta>(text, `file ${repoPath(repo, key)}`, sha256Hex);
}
