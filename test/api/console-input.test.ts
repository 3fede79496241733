import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalExecution } from '../../lib/adapters/local-sfn/local-orchestrator.ts';
import type { ExecutionInput } from '../../lib/domain/workflow.ts';
import type { JobTypeValue } from '../../lib/domain/states.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * A state machine started by hand from the Step Functions console: the input is `{"statement": "…", "user": "…"}`,
 * and it goes through the same analysis as the SQL API, as that user. These run the synthesized ASL with the
 * real handlers.
 */
const temp = useTempDirs('console');
let c: TestCluster;
let n = 0;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT); INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"; CREATE USER operator IDENTIFIED BY 'o-pw'`);
  // StarRocks' backup and restore scenarios: REPOSITORY on SYSTEM, EXPORT and INSERT on the tables, and
  // CREATE DATABASE on the catalog to restore a whole database (recover_db).
  await c.sql(`GRANT REPOSITORY ON SYSTEM TO USER operator; GRANT EXPORT, INSERT ON ALL TABLES IN DATABASE d TO USER operator;
    GRANT CREATE DATABASE ON CATALOG default_catalog TO USER operator`);
});
const HOW = `"user": "backup_op" (the account 'backup_op'@'%') or "user": "'backup_op'@'<host>'"`;
afterAll(async () => {
  await c?.close();
});

async function startByHand(workflow: JobTypeValue, input: unknown) {
  const execution = (await c.ctx.orchestrator.start(workflow, input as ExecutionInput, `console-${++n}`)) as LocalExecution;
  return execution.outcome;
}

async function expectNoJob() {
  expect(await c.ctx.control.databasesWithJobs()).toEqual([]);
  expect(await c.ctx.control.jobsOfDatabase('d')).toEqual([]);
  expect(await c.ctx.control.getLock('d')).toBeUndefined();
}

describe('console executions with malformed input fail fast, with a clear error and no job record', () => {
  it.each([
    ['an empty object', 'BACKUP', {}, 'AnalysisError', 'Execution input must be {"jobId": "…"} or {"statement": "BACKUP …", "user": "<StarRocks user>"}'],
    ['a statement that is not a string', 'BACKUP', { statement: 42, user: 'operator' }, 'AnalysisError', 'Execution input must be'],
    ['a statement without a user', 'BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT s TO r' }, 'AnalysisError',
      `Console execution input names no StarRocks user to run as: add ${HOW}; nothing runs as root unless it is named`],
    ['a user that does not exist', 'BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT s TO r', user: "'operator'@'10.%'" }, 'NotFoundError',
      "Console execution input: user 'operator'@'10.%' does not exist; CREATE USER it (and GRANT it the privileges it needs) or name another"],
    ['a user that is no user name', 'BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT s TO r', user: 'root; DROP' }, 'AnalysisError',
      `Console execution input: "user" must name a StarRocks user, ${HOW}; "root; DROP" is not one`],
    ['a statement that does not parse', 'BACKUP', { statement: 'BACKUP DATABSE d SNAPSHOT s TO r', user: 'operator' }, 'ParseError', 'Getting syntax error at line 1'],
    ['another kind of statement', 'BACKUP', { statement: 'DROP DATABASE d', user: 'operator' }, 'AnalysisError', 'The backup workflow runs BACKUP statements; "DROP DATABASE …" is not one'],
    ['a RESTORE sent to the backup machine', 'BACKUP', { statement: "RESTORE SNAPSHOT s FROM r DATABASE d PROPERTIES ('backup_timestamp' = 'x')", user: 'operator' }, 'AnalysisError', 'runs BACKUP statements; "RESTORE SNAPSHOT …" is not one'],
    ['a BACKUP of a database that does not exist', 'BACKUP', { statement: 'BACKUP DATABASE nope SNAPSHOT s TO r', user: 'operator' }, 'NotFoundError', "Unknown database 'nope'"],
    ['a BACKUP to a repository that does not exist', 'BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT s TO missing', user: 'operator' }, 'NotFoundError', 'missing'],
    ['a RESTORE of a snapshot that does not exist', 'RESTORE', { statement: "RESTORE SNAPSHOT nope FROM r DATABASE d PROPERTIES ('backup_timestamp' = '2026-01-01-00-00-00-000')", user: 'operator' }, 'AnalysisError', "Failed to get info of snapshot 'nope'"],
  ] as const)('%s', async (_what, workflow, input, code, message) => {
    const outcome = await startByHand(workflow, input);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.states).toEqual(['PENDING', 'REJECTED']);
    expect(outcome.error, outcome.cause).toBe(code);
    expect(JSON.parse(outcome.cause!).errorMessage).toContain(message);
    await expectNoJob();
  });
});

describe('console executions with a valid statement', () => {
  it('run the job through the same analysis and workflow as the API', async () => {
    const outcome = await startByHand('BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT by_hand TO r', user: 'operator' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.states.at(-1)).toBe('FINISHED');
    const rows = await c.rows('SHOW SNAPSHOT ON r');
    expect(rows.map((r) => r[0])).toContain('by_hand');
    // The job is this execution's own: running the statement started no second one.
    const [ref] = await c.ctx.control.jobsOfDatabase('d');
    expect((await c.ctx.control.getJob(ref!.jobId))?.doc).toMatchObject({ label: 'by_hand', executionId: 'console', user: "'operator'@'%'" });
  });

  it('meet their user\'s privileges: without EXPORT on the table, the execution is rejected and leaves no job', async () => {
    await c.sql('CREATE USER keeper; GRANT REPOSITORY ON SYSTEM TO USER keeper');
    const jobs = (await c.ctx.control.jobsOfDatabase('d')).length;
    const outcome = await startByHand('BACKUP', { statement: 'BACKUP DATABASE d SNAPSHOT denied TO r', user: 'keeper' });
    expect(outcome.status).toBe('FAILED');
    expect(outcome.states).toEqual(['PENDING', 'REJECTED']);
    expect(outcome.error).toBe('AccessDeniedError');
    // StarRocks: BACKUP needs EXPORT on the tables it takes (fe-core sql/analyzer/AuthorizerStmtVisitor.visitBackupStatement).
    expect(JSON.parse(outcome.cause!).errorMessage).toMatch(/^Access denied; you need \(at least one of\) the EXPORT privilege\(s\) on TABLE t for this operation/);
    expect((await c.ctx.control.jobsOfDatabase('d')).length).toBe(jobs);
  });
});
