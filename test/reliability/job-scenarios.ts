import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { JobRecord } from '../../lib/domain/control-types.ts';
import { isTerminal } from '../../lib/domain/states.ts';
import { layout } from '../../lib/domain/repository-layout.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { executeStatement } from '../../lib/statements/execute-statement.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import type { TableRecord } from '../../lib/domain/catalog-types.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';
import { FaultInjector } from './fault-injector.ts';

/**
 * Jobs of the reliability tests and the invariants every one of them must end with, whatever was done
 * to it: terminal, lock free, staging empty, no partial snapshot, and the target either wholly old or
 * wholly new. Each scenario works on its own database, so scenarios run side by side.
 */
export const SOURCE_ROWS = [['1', 'a'], ['2', 'b'], ['3', 'c'], ['4', 'd']];
const TABLE_T = '(k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2';

/** A source database `src` (tables t and u) and its snapshot `base` in repository `r`; returns its timestamp. */
export async function setUpSource(c: TestCluster, repoDir: string): Promise<string> {
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE src; CREATE TABLE src.t ${TABLE_T};
    INSERT INTO src.t VALUES (1, 'a'), (2, 'b'); INSERT INTO src.t VALUES (3, 'c'), (4, 'd');
    CREATE TABLE src.u (k INT) DISTRIBUTED BY RANDOM BUCKETS 2; INSERT INTO src.u VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}";
    BACKUP DATABASE src SNAPSHOT base TO r`);
  return snapshotTimestamp(c, 'r', 'base');
}

export interface FaultRig {
  c: TestCluster;
  faults: FaultInjector;
  /** The timestamp of the source snapshot `base`. */
  ts: string;
}

/**
 * A cluster in `dir` whose every Task passes through a FaultInjector, with batches of one file (so a job has
 * several), and the source snapshot; `timeoutSeconds` shortens every Task's timeout for timeout faults.
 */
export async function faultRig(dir: string, timeoutSeconds?: number): Promise<FaultRig> {
  let faults!: FaultInjector;
  const c = await openTestCluster(dir, {
    batch: { maxFiles: 1, maxBytes: 1 << 20, maxBatches: 10 },
    ...(timeoutSeconds ? { taskTimeoutSeconds: timeoutSeconds } : {}),
    wrapHandlers: (w, s, h) => (input) => faults.wrap(w, s, h)(input),
  });
  faults = new FaultInjector(c.ctx, (timeoutSeconds ?? 0) * 1000 + 500);
  return { c, faults, ts: await setUpSource(c, join(dir, 'repo')) };
}

export interface Started {
  jobId: string;
  type: JobRecord['type'];
  done: Promise<void>;
}

async function start(c: TestCluster, sql: string): Promise<Started> {
  const result = await executeStatement(c.ctx, parseStatement(sql), {});
  const job = result.job!;
  return { jobId: job.jobId, type: job.type as JobRecord['type'], done: job.done! };
}

/** A database `db` with a table of its own rows (so its blobs are new to the repository), backed up to snapshot `db`. */
export async function startBackup(c: TestCluster, db: string): Promise<Started> {
  await c.sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t ${TABLE_T}; INSERT INTO ${db}.t VALUES (1, '${db}'), (2, '${db}'); INSERT INTO ${db}.t VALUES (3, '${db}')`);
  return start(c, `BACKUP DATABASE ${db} SNAPSHOT ${db} TO r`);
}

/** A database `db` whose table t holds other rows, restored from `base` (t overwritten, u created). */
export async function prepareRestore(c: TestCluster, db: string): Promise<TableRecord> {
  await c.sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t ${TABLE_T}; INSERT INTO ${db}.t VALUES (9, 'z')`);
  return (await c.ctx.catalog.requireTable(db, 't')).doc;
}

export function startRestore(c: TestCluster, db: string, ts: string): Promise<Started> {
  return start(c, `RESTORE SNAPSHOT base FROM r DATABASE src AS ${db} ON (TABLE t, TABLE u) PROPERTIES ("backup_timestamp" = "${ts}")`);
}

async function commonInvariants(c: TestCluster, jobId: string): Promise<JobRecord> {
  const job = (await c.ctx.control.requireJob(jobId)).doc;
  expect(isTerminal(job.state), `job ${job.label} on ${job.db} ended ${job.state}`).toBe(true);
  expect(await c.ctx.control.getLock(job.db)).toBeUndefined();
  expect(await listAll(c.ctx.data, `staging/${jobId}/`)).toEqual([]);
  return job;
}

export async function expectBackupInvariants(c: TestCluster, jobId: string): Promise<JobRecord> {
  const job = await commonInvariants(c, jobId);
  const store = await openRepository(c.ctx, await c.ctx.control.requireRepository('r'));
  const files = await listAll(store, layout.snapshotDir('r', job.label));
  if (job.state === 'CANCELLED') {
    expect(files).toEqual([]);
  } else {
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${job.label} ON r PROPERTIES ("read_data" = "true")`)).toEqual([[job.label, job.timestamp, null, null, 'OK']]);
  }
  return job;
}

export async function expectRestoreInvariants(c: TestCluster, jobId: string, before: TableRecord): Promise<JobRecord> {
  const job = await commonInvariants(c, jobId);
  const t = (await c.ctx.catalog.requireTable(job.db, 't')).doc;
  const leftovers = [...(await listAll(c.ctx.data, 'data/')), ...(await listAll(c.ctx.data, 'meta/'))].filter((k) => k.includes(`r-${jobId}`));
  if (job.state === 'CANCELLED') {
    expect(t).toEqual(before);
    expect(await c.ctx.catalog.getTable(job.db, 'u')).toBeUndefined();
    expect(leftovers).toEqual([]);
  } else {
    expect(t.state).toBe('NORMAL');
    expect(sorted(await c.rows(`SELECT * FROM ${job.db}.t`))).toEqual(SOURCE_ROWS);
    expect(await c.count(`${job.db}.u`)).toBe(2);
  }
  return job;
}

export function sorted(rows: (string | null)[][]): (string | null)[][] {
  return [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
}
