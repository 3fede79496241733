/**
 * The post-deploy smoke test: through the deployed HTTP API (SigV4, the caller's own AWS credentials) it
 * creates a database with a table and rows, a repository, backs up, restores into a second database,
 * compares the rows, verifies the snapshot by reading every blob, and removes everything it made, even
 * when a step fails. Exit status 0 only when every step passed.
 *
 *   npx cdk deploy --outputs-file cdk-outputs.json
 *   npm run smoke-test -- --repository s3://my-backups/starbackup-smoke
 *
 * The caller needs execute-api:Invoke on the SQL route; the repository bucket must be one of the stack's
 * starbackup:repositoryBucketArns (the repository is created with aws.s3.use_instance_profile).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignedSqlClient } from '../lib/adapters/http/signed-sql-client.ts';

const { values: args } = parseArgs({
  options: {
    outputs: { type: 'string', default: 'cdk-outputs.json' },
    url: { type: 'string' },
    region: { type: 'string' },
    repository: { type: 'string' },
    'poll-seconds': { type: 'string', default: '5' },
    'timeout-minutes': { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`smoke test: ${message}`);
  process.exit(2);
}

/** The SqlUrl output of `cdk deploy --outputs-file`, unless --url names one. */
function sqlUrl(): string {
  if (args.url) return args.url;
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = JSON.parse(readFileSync(args.outputs!, 'utf8')) as typeof outputs;
  } catch (e) {
    return fail(`cannot read ${args.outputs} (${(e as Error).message}); run \`npx cdk deploy --outputs-file ${args.outputs}\` or give --url`);
  }
  const urls = Object.values(outputs).flatMap((stack) => Object.entries(stack).filter(([k]) => k.startsWith('ApiSqlUrl')).map(([, v]) => v));
  if (urls.length !== 1) fail(`${args.outputs} has ${urls.length} SqlUrl outputs; give --url`);
  return urls[0]!;
}

const url = sqlUrl();
const region = args.region ?? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1] ?? fail('give --region: it is not in the URL');
if (!args.repository || !/^s3a?:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/[\w./-]*)?$/.test(args.repository)) {
  fail('give --repository s3://<bucket>/<prefix>, a bucket in the stack\'s starbackup:repositoryBucketArns');
}
const pollMs = Number(args['poll-seconds']) * 1000;
const deadline = Date.now() + Number(args['timeout-minutes']) * 60_000;
const client = new SignedSqlClient({ url, region });
const id = `smoke_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${Math.random().toString(36).slice(2, 6)}`;
const [db, copy, repo, label] = [id, `${id}_copy`, `${id}_repo`, `${id}_snap`];

async function sql(statement: string): Promise<(string | null)[][]> {
  const answer = await client.run(statement);
  if (answer.status !== 200 || answer.body.error) {
    const { code, message } = answer.body.error ?? { code: `HTTP ${answer.status}`, message: JSON.stringify(answer.body) };
    throw new Error(`${code}: ${message} (${statement.split('\n')[0]})`);
  }
  return answer.body.results?.at(-1)?.rows ?? [];
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const out = await run();
  console.log(`ok   ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return out;
}

/** Polls SHOW BACKUP|RESTORE until the job ends; anything but FINISHED fails with the job's status. */
async function jobFinished(kind: 'BACKUP' | 'RESTORE', database: string): Promise<void> {
  for (;;) {
    const [row] = await sql(`SHOW ${kind} FROM ${database}`);
    const state = kind === 'BACKUP' ? row?.[3] : row?.[4];
    if (state === 'FINISHED') return;
    if (state === 'CANCELLED') throw new Error(`${kind} ended CANCELLED: ${JSON.stringify(row)}`);
    if (Date.now() > deadline) throw new Error(`${kind} still ${state} after --timeout-minutes ${args['timeout-minutes']}`);
    await sleep(pollMs);
  }
}

let failed = false;
/** What to drop at the end, in order: only what this run made. */
const made: string[] = [];
try {
  await step(`create database ${db} with a table and 3 rows`, () => sql(`CREATE DATABASE ${db};
    CREATE TABLE ${db}.t (id INT NOT NULL, v VARCHAR(16)) DUPLICATE KEY (id) DISTRIBUTED BY HASH (id) BUCKETS 2;
    INSERT INTO ${db}.t VALUES (1, 'a'), (2, 'b'), (3, 'c')`).finally(() => made.unshift(`DROP DATABASE IF EXISTS ${db}`)));
  await step(`create repository ${repo} on ${args.repository}`, () =>
    sql(`CREATE REPOSITORY ${repo} WITH BROKER ON LOCATION "${args.repository}/${id}" PROPERTIES ("aws.s3.use_instance_profile" = "true")`));
  made.unshift(`DROP REPOSITORY ${repo}`);
  await step(`backup ${db} as ${label}`, async () => {
    await sql(`BACKUP DATABASE ${db} SNAPSHOT ${label} TO ${repo}`);
    made.unshift(`DROP SNAPSHOT ${label} ON ${repo}`);
    await jobFinished('BACKUP', db);
  });
  const [snapshot] = await sql(`SHOW SNAPSHOT ON ${repo} WHERE SNAPSHOT = "${label}"`);
  const timestamp = snapshot?.[1];
  if (!timestamp || snapshot?.[2] !== 'OK') throw new Error(`SHOW SNAPSHOT: ${JSON.stringify(snapshot)}`);
  await step(`restore ${label} into ${copy}`, async () => {
    await sql(`RESTORE SNAPSHOT ${label} FROM ${repo} DATABASE ${db} AS ${copy} PROPERTIES ("backup_timestamp" = "${timestamp}")`);
    made.unshift(`DROP DATABASE IF EXISTS ${copy}`);
    await jobFinished('RESTORE', copy);
  });
  await step('compare the restored rows', async () => {
    const sorted = async (table: string) => (await sql(`SELECT * FROM ${table}`)).sort((x, y) => Number(x[0]) - Number(y[0]));
    const [a, b] = [await sorted(`${db}.t`), await sorted(`${copy}.t`)];
    if (JSON.stringify(a) !== JSON.stringify(b) || a.length !== 3) throw new Error(`rows differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  });
  await step('verify the snapshot, reading every blob', async () => {
    const rows = await sql(`ADMIN VERIFY SNAPSHOT ${label} ON ${repo} PROPERTIES ("backup_timestamp" = "${timestamp}", "read_data" = "true")`);
    if (rows.length !== 1 || rows[0]![4] !== 'OK') throw new Error(`ADMIN VERIFY: ${JSON.stringify(rows)}`);
  });
} catch (e) {
  failed = true;
  console.error(`FAIL ${(e as Error).message}`);
} finally {
  if (!args.keep) {
    // Each clean-up step on its own: one that fails must not leave the others undone.
    // Newest first: the copy and the snapshot before the repository, the repository before the database.
    for (const statement of made) {
      await step(`clean up: ${statement}`, () => sql(statement)).catch((e: unknown) => console.error(`warn clean up: ${(e as Error).message}`));
    }
  }
}
console.log(failed ? 'smoke test FAILED' : 'smoke test passed');
process.exit(failed ? 1 : 0);
