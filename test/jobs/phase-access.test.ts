import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskHandler } from '../../lib/adapters/local-sfn/local-orchestrator.ts';
import { PHASE_NAMES, PHASES, type PhaseRegistry, phasesOf } from '../../lib/domain/phase-registry.ts';
import { JobType, type JobTypeValue, stateRank } from '../../lib/domain/states.ts';
import { freshS3Location, s3rverProperties } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * The embedded runtime hands every phase a context narrowed to its declared access (lib/jobs/scoped-context.ts),
 * by default. BACKUP and RESTORE of every kind of object, through a repository whose credentials are sealed,
 * and the CANCEL path of both, run with no refusal; each Task leaves the job in the state the registry says.
 * A registry copy that declares less makes the phase that needs it fail, naming it, the resource and the access.
 */
const temp = useTempDirs('phase-access');
let c: TestCluster;

interface Call { workflow: JobTypeValue; task: string; before?: string; after?: string }
const calls: Call[] = [];
/** Runs before a Task's handler, for the job it gets (null: no job yet). */
let before: ((workflow: JobTypeValue, task: string, jobId: string) => Promise<void>) | undefined;
/** Fails one Task after its handler ran, to drive the CANCEL path. */
let failAfter: { workflow: JobTypeValue; task: string } | undefined;

const stateOf = async (jobId: unknown) => (typeof jobId === 'string' ? (await c.ctx.control.getJob(jobId))?.doc.state : undefined);

const observe = (workflow: JobTypeValue, task: string, handler: TaskHandler): TaskHandler => async (input) => {
  const given = (input as { jobId?: unknown } | null)?.jobId;
  if (typeof given === 'string') await before?.(workflow, task, given);
  const call: Call = { workflow, task, before: await stateOf(given) };
  let out: unknown;
  try {
    out = await handler(input);
  } finally {
    call.after = await stateOf(typeof given === 'string' ? given : (out as { jobId?: unknown } | null)?.jobId);
    calls.push(call);
  }
  if (failAfter?.workflow === workflow && failAfter.task === task) {
    failAfter = undefined;
    throw new Error(`injected after ${task}`);
  }
  return out;
};

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir, { wrapHandlers: observe });
  await c.sql(`CREATE DATABASE d; USE d;
    CREATE TABLE t (k INT, v VARCHAR(8)) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE VIEW v AS SELECT v FROM t;
    CREATE FUNCTION f(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
    CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:9083", "aws.s3.access_key" = "AKIAEXAMPLE", "aws.s3.secret_key" = "sekrit-value");
    CREATE REPOSITORY repo WITH BROKER ON LOCATION "${freshS3Location('conformance', 'phase-access')}"
      PROPERTIES (${Object.entries(s3rverProperties()).map(([k, v]) => `"${k}" = "${v}"`).join(', ')})`);
  // The repository's keys are sealed, so every phase that opens it unseals.
  expect((await c.ctx.control.requireRepository('repo')).sealedSecrets).toBeDefined();
}, 120_000);
afterAll(async () => c?.close());

const restore = async (label: string, rest: string) =>
  `RESTORE SNAPSHOT ${label} FROM repo ${rest} PROPERTIES ("backup_timestamp" = "${await snapshotTimestamp(c, 'repo', label)}")`;

/** Each call left the job where the registry says its phase leaves it, having entered no later than its state. */
function expectStatesAsDeclared(workflow: JobTypeValue, tasks: readonly string[]): void {
  const made = calls.filter((x) => x.workflow === workflow);
  expect([...new Set(made.map((x) => x.task))].sort()).toEqual([...tasks].sort());
  for (const call of made) {
    const phase = PHASES[phasesOf(workflow).find((p) => PHASES[p].task === call.task)!];
    expect(call.after, `${workflow} ${call.task} leaves to`).toBe(phase.leavesTo);
    if (phase.enters && call.before) expect(stateRank(workflow, call.before), `${workflow} ${call.task} enters`).toBeLessThanOrEqual(stateRank(workflow, phase.enters));
  }
}

const tasksOf = (workflow: JobTypeValue, role: 'chain' | 'cancel') =>
  phasesOf(workflow).filter((p) => (PHASES[p].role === 'cancel') === (role === 'cancel')).map((p) => PHASES[p].task);

describe('phases narrowed to their declared access', () => {
  it('run BACKUP and RESTORE of tables, views, functions and external catalogs with no refusal', async () => {
    calls.length = 0;
    await c.sql('BACKUP DATABASE d SNAPSHOT all_objects TO repo');
    await c.sql('BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO repo');
    await c.sql(await restore('all_objects', 'DATABASE d AS d2'));
    await c.sql(await restore('cats', 'EXTERNAL CATALOG (cat AS cat2)'));
    expect(await c.count('d2.t')).toBe(3);
    expect((await c.rows('SHOW FUNCTIONS FROM d2')).flat()).toContain('f(INT)');
    expect((await c.rows('SHOW CATALOGS')).map((r) => r[0])).toContain('cat2');
    expectStatesAsDeclared(JobType.BACKUP, tasksOf(JobType.BACKUP, 'chain'));
    expectStatesAsDeclared(JobType.RESTORE, tasksOf(JobType.RESTORE, 'chain'));
    expect(c.takeUndeclaredAccess()).toEqual([]);
  });

  it.each([
    [JobType.BACKUP, 'SAVE_META'],
    [JobType.RESTORE, 'SNAPSHOTING'],
    [JobType.RESTORE, 'DOWNLOAD_BATCH'],
  ] as const)('run the CANCEL of a %s that failed after %s with no refusal', async (workflow, task) => {
    // Segments the repository lacks, so the backup has a batch to upload.
    if (workflow === JobType.BACKUP) await c.sql('CREATE TABLE d.u (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; INSERT INTO d.u VALUES (7)');
    calls.length = 0;
    failAfter = { workflow, task };
    const statement = workflow === JobType.BACKUP ? 'BACKUP DATABASE d SNAPSHOT failing TO repo' : await restore('all_objects', 'DATABASE d ON (TABLE t)');
    expect(await c.error(statement)).toContain(`injected after ${task}`);
    const end = calls.at(-1)!;
    expect([end.task, end.after]).toEqual(['CANCEL', 'CANCELLED']);
    expectStatesAsDeclared(workflow, [...tasksOf(workflow, 'chain').slice(0, tasksOf(workflow, 'chain').indexOf(task) + 1), 'CANCEL']);
    expect(await c.count('d.t')).toBe(3);
    expect(c.takeUndeclaredAccess()).toEqual([]);
  });

  it.each([JobType.BACKUP, JobType.RESTORE])('cancel a %s from its PENDING with no refusal: a cancel requested before it runs', async (workflow) => {
    calls.length = 0;
    before = async (w, task, jobId) => {
      if (w !== workflow || task !== 'PENDING') return;
      before = undefined;
      await c.ctx.control.updateJob(jobId, (j) => ((j.cancelRequested = true), j));
    };
    const statement = workflow === JobType.BACKUP ? 'BACKUP DATABASE d SNAPSHOT cancelled TO repo' : await restore('all_objects', 'DATABASE d AS d3');
    expect(await c.error(statement)).toContain('user cancelled');
    expect(calls.map((x) => [x.task, x.after])).toEqual([['PENDING', 'CANCELLED']]);
    expect(c.takeUndeclaredAccess()).toEqual([]);
  });
});

describe('a phase that declares less than it uses', () => {
  let narrow: TestCluster;
  const registry = { ...PHASES, uploadBatch: { ...PHASES.uploadBatch, repositories: 'none' } } as const satisfies PhaseRegistry;

  beforeAll(async () => {
    const dir = await temp.make();
    narrow = await openTestCluster(dir, { registry });
    mkdirSync(join(dir, 'repo'), { recursive: true });
    await narrow.sql(`CREATE DATABASE d; USE d; CREATE TABLE t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; INSERT INTO t VALUES (1);
      CREATE REPOSITORY repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
  });
  afterAll(async () => narrow?.close());

  it('fails the job with an error naming the phase, the resource and the declared access', async () => {
    const message = await narrow.error('BACKUP DATABASE d SNAPSHOT s TO repo');
    expect(message).toMatch(/^BACKUP job 's' ended CANCELLED: \[COMMON_ERROR, msg: Phase uploadBatch \(UPLOAD_BATCH\) opens file:\/\/\S+\/repo, but declares repositories: 'none' \(lib\/domain\/phase-registry\.ts\): in AWS its function has no grant for it\]$/);
    const refused = narrow.takeUndeclaredAccess();
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e.message).toMatch(/^Phase uploadBatch \(UPLOAD_BATCH\) opens .*, but declares repositories: 'none'/);
    expect(PHASE_NAMES.filter((p) => registry[p] !== PHASES[p])).toEqual(['uploadBatch']);
  });

  it('fails close with the refusal when nobody took it', async () => {
    const dir = await temp.make();
    const other = await openTestCluster(dir, { registry });
    mkdirSync(join(dir, 'repo'), { recursive: true });
    await other.sql(`CREATE DATABASE d; USE d; CREATE TABLE t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; INSERT INTO t VALUES (1);
      CREATE REPOSITORY repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
    await other.error('BACKUP DATABASE d SNAPSHOT s TO repo');
    await expect(other.close()).rejects.toThrow("Phase uploadBatch (UPLOAD_BATCH) opens");
  });
});
