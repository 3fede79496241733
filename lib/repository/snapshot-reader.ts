import { unseal } from '../domain/envelope.ts';
import { AnalysisError, IntegrityError, NotFoundError } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { checkName, printable } from '../domain/names.ts';
import { layout } from '../domain/repository-layout.ts';
import { SnapshotFieldError } from '../domain/field-checks.ts';
import {
  SNAPSHOT_TIMESTAMP, invalidSnapshot, validateSnapshotInfo,
} from '../domain/snapshot-validation.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { getText, sha256Hex } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { checkInfoAccounts } from '../access/account-snapshot-rules.ts';

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

/** Runs a validation; a field that breaks the format fails with the snapshot, timestamp and repository named. */
export function valid<T>(repo: RepositoryRecord, label: string, ts: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof SnapshotFieldError) throw invalidSnapshot(repo.name, label, ts, e);
    throw e;
  }
}
