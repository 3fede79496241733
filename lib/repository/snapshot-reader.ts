import { unseal } from '../domain/envelope.ts';
import { AnalysisError, IntegrityError, NotFoundError } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { checkName, printable } from '../domain/names.ts';
import { layout } from '../domain/repository-layout.ts';
import { SnapshotFieldError } from '../domain/field-checks.ts';
import {
  SNAPSHOT_TIMESTAMP, invalidSnapshot, validateSnapshotInfo, validateSnapshotMeta,
} from '../domain/snapshot-validation.ts';
import type { SnapshotInfo, SnapshotMeta } from '../domain/snapshot-types.ts';
import { getText, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { compareMetaWithInfo } from './snapshot-checks.ts';
import { checkInfoAccounts, checkSnapshotAccounts } from '../access/account-snapshot-rules.ts';

/**
 * Reads a snapshot's files with StarRocks' messages, verifying every checksum, then every field: what comes
 * back from a repository is untrusted input (lib/domain/snapshot-validation.ts), and nothing is used before
 * it passed.
 */
export function repoPath(repo: RepositoryRecord, key: string): string {
  return `${repo.location}/${key}`;
}

export async function readInfo(store: ObjectStore, repo: RepositoryRecord, label: string, ts: string): Promise<SnapshotInfo> {
  checkName('Snapshot', label);
  const key = layout.info(repo.name, label, ts);
  const fail = (why: string) => new AnalysisError(`Failed to get info of snapshot '${label}' because: ${why}. Maybe specified wrong backup timestamp`);
  // Label and timestamp make the file name, so neither may reach the store unchecked.
  if (!SNAPSHOT_TIMESTAMP.test(ts)) throw fail(`backup timestamp '${printable(ts)}' is not of the form yyyy-MM-dd-HH-mm-ss-SSS`);
  let text: string;
  try {
    text = await getText(store, key);
  } catch (e) {
    if (e instanceof NotFoundError) throw fail(`Expected one file with path: ${repoPath(repo, key)}. get: 0`);
    throw e;
  }
  let body: unknown;
  try {
    body = unseal<unknown>(text, `file ${repoPath(repo, key)}`, sha256Hex);
  } catch (e) {
    if (e instanceof IntegrityError) throw fail(e.message);
    throw e;
  }
  return valid(repo, label, ts, () => {
    const info = validateSnapshotInfo(body, { label, timestamp: ts });
    checkInfoAccounts(info); // a snapshot of users: its identities and role names, by the account rules
    return info;
  });
}

/** `__meta` of a snapshot whose `__info` was read: its sha256 is the one `__info` records, and the two agree. */
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
  const body = unseal<unknown>(text, `file ${repoPath(repo, key)}`, sha256Hex);
  const meta = valid(repo, info.name, info.timestamp, () => {
    const m = validateSnapshotMeta(body);
    if (m.accounts) checkSnapshotAccounts(m.accounts);
    return m;
  });
  const [first] = compareMetaWithInfo(meta, info);
  if (first) {
    const what = first.object === null ? first.problem : `${first.object}: ${first.problem}`;
    throw new AnalysisError(`Snapshot ${info.name} (${info.timestamp}) in repository ${repo.name} is invalid: __meta disagrees with __info: ${what}`);
  }
  return meta;
}

/** Runs a validation; a field that breaks the format fails with the snapshot, timestamp and repository named. */
export function valid<T>(repo: RepositoryRecord, label: string, ts: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof SnapshotFieldError) throw invalidSnapshot(repo.name, label, ts, e);
    throw e;
  }
}
