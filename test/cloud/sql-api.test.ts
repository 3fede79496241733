/**
 * The deployed stack through its HTTP API: the `api` bundle with API Gateway's v2 event, statements that
 * start Step Functions executions, and every phase function under its own role. Repositories are reached
 * three ways: with sealed access keys, with the functions' roles (repositoryBucketArns), and by assuming
 * the bucket owner's role (repositoryRoleArns).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../support/run-process.ts';
import { SQL_ROUTE_ARN, startApiGateway } from './support/api-gateway.ts';
import { PARTNER_EXTERNAL_ID, PARTNER_ROLE } from './support/cloud-context.ts';
import { callApi, sql } from './support/entry-points.ts';
import { useCloudStack } from './support/use-cloud-stack.ts';

const env = useCloudStack();
const KEY_ID = 'AKIAKEYEDREPOSITORY1';
const SECRET = 'kEyEdRePoSiToRySeCrEt/0123456789abcdefgh';

const ORDERS = `CREATE TABLE sales.orders (id INT NOT NULL, item VARCHAR(32), dt DATE NOT NULL)
  DUPLICATE KEY (id)
  PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
  DISTRIBUTED BY HASH (id) BUCKETS 2`;

let seen = 0;
/** The executions started since the last call, once they have all ended. */
async function settled(): Promise<{ status: string; error?: string; cause?: string }[]> {
  const all = [...(await env.stack.sfn.settle()).values()];
  return all.slice(seen, (seen = all.length));
}

async function rows(statement: string): Promise<string[][]> {
  return (await sql(env.stack, statement)).at(-1).rows;
}

async function snapshotTimestamp(repo: string, label: string): Promise<string> {
  const found = (await rows(`SHOW SNAPSHOT ON ${repo} WHERE SNAPSHOT = "${label}"`))[0];
  if (!found) throw new Error(`no snapshot ${label} in ${repo}`);
  return found[1]!;
}

/** BACKUP of sales into `repo`, RESTORE as `copy`, both executions SUCCEEDED and the rows all there. */
async function roundTrip(repo: string, label: string, copy: string): Promise<void> {
  await sql(env.stack, `BACKUP DATABASE sales SNAPSHOT ${label} TO ${repo}`);
  expect((await settled()).at(-1)?.status).toBe('SUCCEEDED');
  const ts = await snapshotTimestamp(repo, label);
  await sql(env.stack, `RESTORE SNAPSHOT ${label} FROM ${repo} DATABASE sales AS ${copy} PROPERTIES ("backup_timestamp" = "${ts}")`);
  expect((await settled()).map((o) => o.status)).toEqual(['SUCCEEDED']);
  expect(await rows(`SELECT COUNT(*) FROM ${copy}.orders`)).toEqual([['3']]);
}

describe('the stack through its HTTP API', () => {
  it('runs DDL and loads, and says FILES() is not for the cloud', async () => {
    await sql(env.stack, `CREATE DATABASE sales; ${ORDERS}`);
    await sql(env.stack, "INSERT INTO sales.orders VALUES (1, 'tea', '2024-01-03'), (2, 'rice', '2024-01-20'), (3, 'salt', '2024-02-11')");
    expect(await rows('SELECT COUNT(*) FROM sales.orders')).toEqual([['3']]);
    const refused = await callApi(env.stack, JSON.stringify({ sql: 'INSERT INTO sales.orders SELECT * FROM FILES("path" = "file:///etc/passwd", "format" = "csv")' }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("FILES() cannot read local files in the cloud: a Lambda function's disk is its own, not a place to load from");
  });

  it('seals a repository\'s keys with KMS (context: the repository) and keeps them out of every record and log', async () => {
    env.stack.gate.addUser(KEY_ID, { name: 'keyed repository user', roleArn: 'arn:aws:iam::123456789012:user/keyed' });
    env.stack.gate.policies.add('arn:aws:iam::123456789012:user/keyed', [
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: 'arn:aws:s3:::keyed-backups/*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::keyed-backups' },
    ]);
    const [created] = await sql(env.stack, `CREATE REPOSITORY keyed_repo WITH BROKER ON LOCATION "s3://keyed-backups/sr"
      PROPERTIES ("aws.s3.access_key" = "${KEY_ID}", "aws.s3.secret_key" = "${SECRET}", "aws.s3.region" = "eu-west-3")`);
    expect(created.statement).not.toContain(SECRET);
    expect(env.stack.kms.requests.filter((r) => r.action === 'Encrypt').map((r) => r.context)).toEqual([{ repository: 'keyed_repo' }]);
    const shown = JSON.stringify(await rows('SHOW REPOSITORIES'));
    expect(shown).toContain('keyed_repo');
    expect(shown).not.toContain(SECRET);
    expect(await env.stack.scanTables()).not.toContain(SECRET);
  });

  it('backs up and restores through the sealed-key repository, the download batch working under least privilege', async () => {
    const [accepted] = await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT s1 TO keyed_repo');
    expect(accepted.columns).toEqual(['JobId', 'Label', 'State', 'Timestamp']);
    expect(await settled()).toEqual([{ status: 'SUCCEEDED', output: expect.anything() }]);
    expect((await rows('SHOW BACKUP FROM sales'))[0]!.slice(1, 4)).toEqual(['s1', 'sales', 'FINISHED']);
    const ts = await snapshotTimestamp('keyed_repo', 's1');

    await sql(env.stack, `RESTORE SNAPSHOT s1 FROM keyed_repo DATABASE sales AS sales_copy PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect((await settled()).map((o) => o.status)).toEqual(['SUCCEEDED']);
    expect(await rows('SELECT COUNT(*) FROM sales_copy.orders')).toEqual([['3']]);
    // The download batch looked for keys that did not exist yet, and S3 said 403 as it does under this policy.
    expect(env.stack.s3Stats.missingKeyForbidden).toBeGreaterThan(0);
    expect((await rows('SHOW RESTORE FROM sales_copy'))[0]!.slice(1, 5)).toEqual(['s1', ts, 'sales_copy', 'FINISHED']);
    expect(env.stack.logs()).not.toContain(SECRET);
  });

  it('retries a throttled KMS through Step Functions, and does not retry a KMS access denial', async () => {
    const decrypts = () => env.stack.kms.requests.filter((r) => r.action === 'Decrypt').length;
    // UPLOAD_SNAPSHOT is the first phase that opens the repository, so the first to unseal its keys.
    let hold = env.stack.sfn.hold('UPLOAD_SNAPSHOT');
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT throttled TO keyed_repo');
    await hold.reached;
    const before = decrypts();
    // More failures than the SDK's own three attempts: the Task's Retry on RetryableStorageError takes over.
    env.stack.kms.failNext('ThrottlingException', 3);
    hold.release();
    expect((await settled()).at(-1)).toMatchObject({ status: 'SUCCEEDED' });
    expect(decrypts() - before).toBeGreaterThan(3);

    hold = env.stack.sfn.hold('UPLOAD_SNAPSHOT');
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT denied TO keyed_repo');
    await hold.reached;
    const once = decrypts();
    env.stack.kms.failNext('AccessDeniedException', 1);
    hold.release();
    expect((await settled()).at(-1)).toMatchObject({ status: 'FAILED', error: 'JobCancelledError' });
    const [job] = await rows('SHOW BACKUP FROM sales');
    expect(job!.slice(1, 4)).toEqual(['denied', 'sales', 'CANCELLED']);
    expect(job!.join(' ')).toMatch(/KMS refused to open the credentials of repository keyed_repo with key arn:aws:kms:eu-west-3:123456789012:key\/[-0-9a-f]+: AccessDeniedException/);
    // The refused Decrypt, not retried, and CANCEL's own to clean the repository.
    expect(decrypts() - once).toBe(2);
  });

  it('reaches a repository bucket with the functions\' own roles (repositoryBucketArns)', async () => {
    await sql(env.stack, 'CREATE REPOSITORY team_repo WITH BROKER ON LOCATION "s3://team-backups/sr" PROPERTIES ("aws.s3.use_instance_profile" = "true")');
    await roundTrip('team_repo', 's2', 'sales_team');
  });

  it('reaches a repository by assuming the bucket owner\'s role (repositoryRoleArns)', async () => {
    await sql(env.stack, `CREATE REPOSITORY partner_repo WITH BROKER ON LOCATION "s3://partner-backups/sr"
      PROPERTIES ("aws.s3.use_instance_profile" = "true", "aws.s3.iam_role_arn" = "${PARTNER_ROLE}", "aws.s3.external_id" = "${PARTNER_EXTERNAL_ID}")`);
    await roundTrip('partner_repo', 's3', 'sales_partner');
    expect(new Set(env.stack.stsAssumed.map((a) => a.roleArn))).toEqual(new Set([PARTNER_ROLE]));
  });

  it('CANCEL from another request stops a running backup, which ends CANCELLED and leaves no snapshot', async () => {
    const hold = env.stack.sfn.hold('UPLOAD_SNAPSHOT');
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT s4 TO team_repo');
    await hold.reached;
    await sql(env.stack, 'CANCEL BACKUP FROM sales');
    hold.release();
    const outcomes = await settled();
    expect(outcomes.at(-1)).toMatchObject({ status: 'FAILED', error: 'JobCancelledError' });
    const [job] = await rows('SHOW BACKUP FROM sales');
    expect(job!.slice(1, 4)).toEqual(['s4', 'sales', 'CANCELLED']);
    expect((await rows('SHOW SNAPSHOT ON team_repo WHERE SNAPSHOT = "s4"'))[0]!.slice(0, 3)).toEqual(['s4', null, 'ERROR: no snapshot']);
    expect((await env.stack.listObjects('team-backups')).filter((k) => k.includes('__ss_s4'))).toEqual([]);
    expect(await env.stack.listObjects(env.stack.dataBucket(), 'cluster/staging/')).toEqual([]);
  });
});

describe('callers as StarRocks users', () => {
  it('runs a role session as the user its role is bound to, and gives an unbound principal nothing', async () => {
    await sql(env.stack, "CREATE USER analyst IDENTIFIED WITH aws_iam AS 'arn:aws:iam::123456789012:role/data/Analyst'");
    const bound = await callApi(env.stack, JSON.stringify({ sql: 'SELECT CURRENT_USER()' }), 'arn:aws:sts::123456789012:assumed-role/Analyst/alice');
    expect(bound).toMatchObject({ status: 200, body: { results: [{ rows: [["'analyst'@'%'"]] }] } });
    const unbound = await callApi(env.stack, JSON.stringify({ sql: 'SHOW DATABASES' }), 'arn:aws:sts::123456789012:assumed-role/Intern/bob');
    expect(unbound.status).toBe(403);
    expect(unbound.body.error.message).toMatch(/^IAM principal arn:aws:iam::123456789012:role\/Intern \(the caller arn:aws:sts::123456789012:assumed-role\/Intern\/bob\) is not bound to any StarRocks user/);
    await sql(env.stack, 'DROP USER analyst');
  });
});

describe('the post-deploy smoke test (scripts/smoke-test.ts)', () => {
  const SCRIPT = join(import.meta.dirname, '../../scripts/smoke-test.ts');
  const user = { arn: 'arn:aws:iam::123456789012:user/smoke', accessKeyId: 'AKIASMOKETESTUSER001', secretAccessKey: 'smoke-secret-key-0123456789' };
  const stranger = { arn: 'arn:aws:iam::123456789012:user/stranger', accessKeyId: 'AKIASTRANGERUSER0001', secretAccessKey: 'stranger-secret-0123456789' };
  const smoke = async (who: typeof user) => {
    const gateway = await startApiGateway(env.stack, [user, stranger]);
    try {
      return await runProcess(process.execPath, ['--import', 'tsx', SCRIPT, '--url', `${gateway.endpoint}/v1/sql`, '--region', 'eu-west-3', '--repository', 's3://team-backups/smoke', '--poll-seconds', '0.2'], {
        // Only what a user's shell would give it: their keys, nothing of the test's environment.
        env: { PATH: process.env.PATH, HOME: tmpdir(), AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey, AWS_EC2_METADATA_DISABLED: 'true' },
      });
    } finally {
      await gateway.close();
    }
  };

  it('creates, backs up, restores, verifies and cleans up with nothing but execute-api:Invoke on the route', async () => {
    // The permission the README gives for the smoke test, and nothing more.
    env.stack.gate.policies.add(user.arn, [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: SQL_ROUTE_ARN }]);
    const run = await smoke(user);
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/ok {3}backup smoke_\d+_\w+ as smoke_\d+_\w+_snap/);
    expect(run.stdout).toMatch(/ok {3}verify the snapshot, reading every blob/);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('smoke test passed');
    const left = (await rows('SHOW DATABASES')).flat().filter((d) => d!.startsWith('smoke_'));
    expect(left).toEqual([]);
    expect((await env.stack.listObjects('team-backups', 'smoke/')).filter((k) => k.includes('__ss_'))).toEqual([]);
  });

  it('fails, saying why, for a caller without execute-api:Invoke', async () => {
    const run = await smoke(stranger);
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(`FAIL HTTP 403: User: ${stranger.arn} is not authorized to perform: execute-api:Invoke on resource: ${SQL_ROUTE_ARN} (CREATE DATABASE ${/smoke_\d+_\w+/.exec(run.stderr)?.[0]};)`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('smoke test FAILED');
    expect(env.stack.gate.takeDenials().map((d) => d.action)).toContain('execute-api:Invoke');
  });
});
