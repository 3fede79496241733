/**
 * The stack's other doors: executions a user starts in the Step Functions console with a statement as
 * input, and the EventBridge Scheduler backup schedule (its role, its dead-letter queue, the function's
 * retried invocation, retention).
 */
import { describe, expect, it } from 'vitest';
import { fireSchedule, scheduleIds, sql } from './support/entry-points.ts';
import { useCloudStack } from './support/use-cloud-stack.ts';

const env = useCloudStack();

async function rows(statement: string): Promise<string[][]> {
  return (await sql(env.stack, statement)).at(-1).rows;
}

async function consoleStart(kind: 'Backup' | 'Restore', input: unknown) {
  const arn = env.stack.startExecution(kind, JSON.stringify(input));
  return env.stack.sfn.outcome(arn);
}

describe('console starts', () => {
  it('runs a BACKUP statement given as the execution input', async () => {
    await sql(env.stack, `CREATE DATABASE sales; CREATE TABLE sales.items (id INT NOT NULL, name VARCHAR(16)) DUPLICATE KEY (id) DISTRIBUTED BY HASH (id) BUCKETS 1;
      INSERT INTO sales.items VALUES (1, 'a'), (2, 'b');
      CREATE REPOSITORY team_repo WITH BROKER ON LOCATION "s3://team-backups/console" PROPERTIES ("aws.s3.use_instance_profile" = "true")`);
    expect(await consoleStart('Backup', { statement: 'BACKUP DATABASE sales SNAPSHOT from_console TO team_repo', user: 'root' })).toMatchObject({ status: 'SUCCEEDED' });
    expect((await rows('SHOW BACKUP FROM sales'))[0]!.slice(1, 4)).toEqual(['from_console', 'sales', 'FINISHED']);
  });

  it('rejects an unparsable statement with StarRocks\' message and no stack trace in the Cause', async () => {
    const out = await consoleStart('Backup', { statement: 'BACKUP DATABSE sales SNAPSHOT x TO team_repo', user: 'root' });
    expect(out).toMatchObject({ status: 'FAILED', error: 'ParseError' });
    const cause = JSON.parse(out.cause!) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause.errorType).toBe('ParseError');
    expect(cause.errorMessage).toMatch(/^Getting syntax error at line 1, column 8\. Detail message: Unexpected input .DATABSE./);
    expect(cause.trace).toEqual([`ParseError: ${cause.errorMessage}`]);
    // No frame (`at f (/var/task/index.mjs:1:2)`) and no path.
    expect(out.cause).not.toMatch(/\/var\/task|index\.mjs|\.ts:\d|:\d+:\d+\)|\bat \S+ \(/);
  });

  it('rejects a statement of the other kind, and input that is no statement', async () => {
    const wrong = await consoleStart('Backup', { statement: 'RESTORE SNAPSHOT from_console FROM team_repo DATABASE sales', user: 'root' });
    expect(wrong).toMatchObject({ status: 'FAILED', error: 'AnalysisError' });
    expect(JSON.parse(wrong.cause!).errorMessage).toBe('The backup workflow runs BACKUP statements; "RESTORE SNAPSHOT …" is not one');
    const junk = await consoleStart('Restore', { sql: 'RESTORE …' });
    expect(junk).toMatchObject({ status: 'FAILED', error: 'AnalysisError' });
    expect(JSON.parse(junk.cause!).errorMessage).toBe('Execution input must be {"jobId": "…"} or {"statement": "RESTORE …", "user": "<StarRocks user>"}');
  });

  it('refuses a statement that names no user, or one that does not exist: nothing runs as root unless named', async () => {
    const anonymous = await consoleStart('Backup', { statement: 'BACKUP DATABASE sales SNAPSHOT nobody TO team_repo' });
    expect(anonymous).toMatchObject({ status: 'FAILED', error: 'AnalysisError' });
    expect(JSON.parse(anonymous.cause!).errorMessage).toMatch(/^Console execution input names no StarRocks user to run as: add "user": "backup_op"/);
    const unknown = await consoleStart('Backup', { statement: 'BACKUP DATABASE sales SNAPSHOT nobody TO team_repo', user: 'ghost' });
    expect(unknown).toMatchObject({ status: 'FAILED', error: 'NotFoundError' });
    expect(JSON.parse(unknown.cause!).errorMessage).toBe("Console execution input: user 'ghost'@'%' does not exist; CREATE USER it (and GRANT it the privileges it needs) or name another");
  });
});

describe('the backup schedule', () => {
  const nightly = () => {
    const [id] = scheduleIds(env.stack, 'BACKUP DATABASE sales TO team_repo');
    if (!id) throw new Error('no schedule for sales');
    return id;
  };
  const fire = async (time: string) => {
    const out = await fireSchedule(env.stack, nightly(), time) as { label: string; started: boolean; dropped: string[] };
    await env.stack.sfn.settle();
    return out;
  };

  it('has a dead-letter queue its role may send to, and so has the function\'s asynchronous invocation', () => {
    const t = env.stack.t;
    const target = t.resolve(t.resource(nightly()).Properties!['Target']!) as Record<string, any>;
    const queue = String(target['DeadLetterConfig']['Arn']);
    expect(env.stack.gate.check({ name: 'schedule role', roleArn: target['RoleArn'] }, 'sqs:SendMessage', queue)).toBe(true);
    const fn = env.stack.functions.get(t.ofType('AWS::Lambda::Function').find((id) => t.getAtt(id, 'Arn') === target['Arn'])!)!;
    const config = t.ofType('AWS::Lambda::EventInvokeConfig').map((id) => t.resolve(t.resource(id).Properties!) as Record<string, any>)
      .find((c) => c['FunctionName'] === fn.spec.name);
    expect(config).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: queue } } });
    const role = String((t.resolve(t.resource(fn.spec.logicalId).Properties!) as Record<string, any>)['Role']);
    expect(env.stack.gate.check({ name: fn.spec.logicalId, roleArn: role }, 'sqs:SendMessage', queue)).toBe(true);
  });

  it('backs up with a label from the scheduled time; a retried invocation starts nothing new', async () => {
    const first = await fire('2026-12-01T02:00:00Z');
    expect(first).toMatchObject({ label: 'nightly_20261201_020000', started: true });
    const executions = env.stack.sfn.executions.size;
    const retried = await fire('2026-12-01T02:00:00Z');
    expect(retried).toMatchObject({ label: 'nightly_20261201_020000', started: false });
    expect(env.stack.sfn.executions.size).toBe(executions);
    expect((await rows('SHOW SNAPSHOT ON team_repo WHERE SNAPSHOT = "nightly_20261201_020000"'))[0]![2]).toBe('OK');
  });

  it('keeps the newest keepLast snapshots of the schedule and drops the older ones', async () => {
    await fire('2026-12-02T02:00:00Z');
    await fire('2026-12-03T02:00:00Z');
    const fourth = await fire('2026-12-04T02:00:00Z');
    expect(fourth.dropped).toEqual(['nightly_20261201_020000']);
    const labels = (await rows('SHOW SNAPSHOT ON team_repo')).map((r) => r[0]).filter((l) => l!.startsWith('nightly_'));
    expect(new Set(labels)).toEqual(new Set(['nightly_20261202_020000', 'nightly_20261203_020000', 'nightly_20261204_020000']));
  });
});

/** Grants the embedded narrowing to declared access found missing; under the IAM gate, each was a denial. */
describe('what only the phase registry\'s narrowing had shown', () => {
  const settledAll = async () => [...(await env.stack.sfn.settle()).values()];

  it('restores an external catalog with credentials: RESTORE SNAPSHOTING seals them again under the new name', async () => {
    await sql(env.stack, 'CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:9083", "aws.s3.access_key" = "AKIAEXAMPLE", "aws.s3.secret_key" = "sekrit-value")');
    await sql(env.stack, 'BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO team_repo');
    expect((await settledAll()).at(-1)).toMatchObject({ status: 'SUCCEEDED' });
    const ts = (await rows('SHOW SNAPSHOT ON team_repo WHERE SNAPSHOT = "cats"'))[0]![1];
    await sql(env.stack, `RESTORE SNAPSHOT cats FROM team_repo EXTERNAL CATALOG (cat AS cat2) PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect((await settledAll()).at(-1)).toMatchObject({ status: 'SUCCEEDED' });
    expect(env.stack.kms.requests.some((r) => r.action === 'Encrypt' && r.context?.['repository']?.includes('cat2'))).toBe(true);
  });

  it('cancels a backup that PENDING finds cancelled: PENDING cleans up itself, in the data bucket and the repository', async () => {
    const hold = env.stack.sfn.hold('PENDING');
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT pending_cancel TO team_repo');
    await hold.reached;
    await sql(env.stack, 'CANCEL BACKUP FROM sales');
    hold.release();
    expect((await settledAll()).at(-1)).toMatchObject({ status: 'FAILED' });
    expect((await rows('SHOW BACKUP FROM sales'))[0]!.slice(1, 4)).toEqual(['pending_cancel', 'sales', 'CANCELLED']);
    // The lock is free: the next backup runs.
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT after_cancel TO team_repo');
    expect((await settledAll()).at(-1)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
