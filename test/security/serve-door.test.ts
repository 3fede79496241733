import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type Bait, startBait, withEnv } from './support.ts';

/**
 * The attacks of issue 11 against `starbackup serve` (a door that answers other people): each is refused
 * with a message naming what was refused and the setting that would allow it, and the bait listener on
 * 127.0.0.1 (standing in for the metadata service) never sees a connection.
 */
const temp = useTempDirs('serve-door');
let server: LocalServer;
let bait: Bait;
let dir: string;
let home: string;
let loads: string;
let token: string;
let restoreEnv: () => void;
const SECRET = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';

async function sql(text: string): Promise<{ status: number; body: any; raw: string }> {
  const r = await fetch(`http://127.0.0.1:${server.port}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: text, database: 'd' }),
  });
  const raw = await r.text();
  return { status: r.status, body: JSON.parse(raw), raw };
}

async function refused(text: string, message: string | RegExp): Promise<void> {
  const r = await sql(text);
  expect(r.status).toBe(403);
  expect(r.body.error.code).toBe('AccessDeniedError');
  if (typeof message === 'string') expect(r.body.error.message).toBe(message);
  else expect(r.body.error.message).toMatch(message);
}

beforeAll(async () => {
  // The default credential chain finds these: without them the SDK would fail before connecting, and
  // the test would pass for the wrong reason.
  restoreEnv = withEnv({ AWS_ACCESS_KEY_ID: 'AKIASERVICEIDENTITY', AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: 'service-session' });
  bait = await startBait();
  dir = await temp.make();
  home = join(dir, 'home');
  loads = join(dir, 'loads');
  await mkdir(home);
  await mkdir(loads);
  await mkdir(join(dir, 'repos'));
  await writeFile(join(loads, 't.csv'), '1,a\n2,b\n');
  await symlink('/etc/passwd', join(loads, 'passwd.csv'));
  const s3 = new URL(s3Endpoint());
  await writeFile(join(home, 'starbackup.conf'), `allowed_file_paths = ${loads}, ${join(dir, 'repos')}\nallowed_endpoints = ${s3.host}\n`);
  server = await startServer({ home, port: 0 });
  token = (await import('node:fs')).readFileSync(server.tokenFile, 'utf8').trim();
  const setup = await sql('CREATE DATABASE d; CREATE TABLE d.t (k INT, v VARCHAR(8)) DISTRIBUTED BY HASH(k) BUCKETS 1');
  expect(setup.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  await bait?.close();
  restoreEnv?.();
});

describe('FILES() on serve', () => {
  it('refuses the process environment, whatever the allowed folders', async () => {
    await refused(
      `INSERT INTO t SELECT * FROM FILES("path" = "file:///proc/self/environ", "format" = "csv", "csv.column_separator" = "\\u0001")`,
      `FILES() may not reach /proc/${process.pid}/environ: /proc, /sys, /dev and the home's own files are never reachable from a statement`,
    );
  });

  it('refuses files outside the allowed folders, naming the setting', async () => {
    await refused(
      `INSERT INTO t SELECT * FROM FILES("path" = "file:///etc/passwd", "format" = "csv")`,
      `FILES() may not reach /etc/passwd: the allowed folders are ${loads}, ${join(dir, 'repos')}; add its folder to allowed_file_paths in ${join(home, 'starbackup.conf')}`,
    );
  });

  it('resolves symlinks before the check', async () => {
    await refused(
      `INSERT INTO t SELECT * FROM FILES("path" = "file://${loads}/passwd.csv", "format" = "csv")`,
      /^FILES\(\) may not reach \/etc\/passwd: the allowed folders are/,
    );
  });

  it("refuses the home's own files (its key, its token, its catalog)", async () => {
    for (const file of ['secret.key', 'server-token', 'dynamodb/CURRENT']) {
      await refused(
        `INSERT INTO t SELECT * FROM FILES("path" = "file://${home}/${file}", "format" = "csv")`,
        /may not reach .*: \/proc, \/sys, \/dev and the home's own files are never reachable from a statement$/,
      );
    }
  });

  it('reads files in an allowed folder', async () => {
    const r = await sql(`INSERT INTO t SELECT * FROM FILES("path" = "file://${loads}/t.csv", "format" = "csv", "csv.column_separator" = ","); SELECT COUNT(*) FROM t`);
    expect(r.status).toBe(200);
    expect(r.body.results[1].rows).toEqual([['2']]);
  });

  it('refuses other schemes, which would read with the service identity', async () => {
    const r = await sql(`INSERT INTO t SELECT * FROM FILES("path" = "s3://bucket/x.csv", "format" = "csv")`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(`FILES() reads local files only, such as "path" = "file:///data/loads/t.csv"; 's3://bucket/x.csv' is not one`);
  });
});

describe('file:// repositories on serve', () => {
  it('refuses a folder outside the allowed ones and creates nothing', async () => {
    await mkdir(join(dir, 'elsewhere'));
    const r = await sql(`CREATE REPOSITORY r1 WITH BROKER ON LOCATION "file://${dir}/elsewhere"`);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe(
      `Failed to create repository r1 on file://${dir}/elsewhere: A repository may not reach ${dir}/elsewhere/__starbackup_repository_r1: the allowed folders are ${loads}, ${join(dir, 'repos')}; add its folder to allowed_file_paths in ${join(home, 'starbackup.conf')}`,
    );
    expect(await readdir(join(dir, 'elsewhere'))).toEqual([]);
    expect((await sql('SHOW REPOSITORIES')).body.results[0].rows).toEqual([]);
  });

  it('refuses a folder that does not exist instead of creating it', async () => {
    const r = await sql(`CREATE REPOSITORY r2 WITH BROKER ON LOCATION "file://${dir}/repos/typo/path"`);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(
      `Failed to create repository r2 on file://${dir}/repos/typo/path: Location file://${dir}/repos/typo/path does not exist: create the folder (or mount the file system) first`,
    );
    expect(await readdir(join(dir, 'repos'))).toEqual([]);
  });

  it('works in an allowed folder', async () => {
    expect((await sql(`CREATE REPOSITORY r3 WITH BROKER ON LOCATION "file://${dir}/repos"`)).status).toBe(200);
  });
});

describe('endpoints named by statements on serve', () => {
  const keys = `"aws.s3.access_key" = "AKIAUSERKEY", "aws.s3.secret_key" = "${SECRET}"`;

  it("never sends the service's own credentials to a named endpoint", async () => {
    await refused(
      `CREATE REPOSITORY s1 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.endpoint" = "http://127.0.0.1:${bait.port}")`,
      `Failed to create repository s1 on s3://bkt/p: Refused to send the service's own credentials to aws.s3.endpoint 127.0.0.1:${bait.port}, an endpoint named by the statement: give the repository its own credentials, or name the endpoint in allowed_endpoints in ${join(home, 'starbackup.conf')}`,
    );
  });

  it('refuses loopback with the statement\'s own keys, by address and by name', async () => {
    await refused(
      `CREATE REPOSITORY s2 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES (${keys}, "aws.s3.endpoint" = "http://127.0.0.1:${bait.port}")`,
      `Failed to create repository s2 on s3://bkt/p: Refused to connect to aws.s3.endpoint 127.0.0.1:${bait.port}: loopback addresses are not reachable from starbackup serve unless allowed_endpoints in ${join(home, 'starbackup.conf')} names them`,
    );
    await refused(
      `CREATE REPOSITORY s2 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES (${keys}, "aws.s3.endpoint" = "http://localhost:${bait.port}")`,
      new RegExp(`^Failed to create repository s2 on s3://bkt/p: Refused to connect to aws.s3.endpoint localhost:${bait.port} \\(it resolves to (127\\.0\\.0\\.1|::1)\\): loopback addresses`),
    );
  });

  it('refuses the metadata service and private networks', async () => {
    await refused(
      `CREATE REPOSITORY s3 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES (${keys}, "aws.s3.endpoint" = "http://169.254.169.254")`,
      /Refused to connect to aws\.s3\.endpoint 169\.254\.169\.254:80: link-local \(metadata service\) addresses are not reachable/,
    );
    await refused(
      `CREATE REPOSITORY s3 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES (${keys}, "aws.s3.endpoint" = "http://10.1.2.3:9000")`,
      /Refused to connect to aws\.s3\.endpoint 10\.1\.2\.3:9000: private addresses are not reachable/,
    );
  });

  it('refuses an STS endpoint that would receive the service identity', async () => {
    await refused(
      `CREATE REPOSITORY s4 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.use_instance_profile" = "true", "aws.s3.iam_role_arn" = "arn:aws:iam::111122223333:role/r", "aws.s3.sts.endpoint" = "http://127.0.0.1:${bait.port}")`,
      /Refused to send the service's own credentials to aws\.s3\.sts\.endpoint 127\.0\.0\.1:\d+, an endpoint named by the statement/,
    );
  });

  it('refuses a WebHDFS namenode on loopback', async () => {
    await refused(
      `CREATE REPOSITORY h1 WITH BROKER ON LOCATION "hdfs://127.0.0.1:8020/backup" PROPERTIES ("username" = "u", "hdfs.webhdfs.port" = "${bait.port}")`,
      `Failed to create repository h1 on hdfs://127.0.0.1:8020/backup: Refused to connect to the HDFS namenode or datanode 127.0.0.1:${bait.port}: loopback addresses are not reachable from starbackup serve unless allowed_endpoints in ${join(home, 'starbackup.conf')} names them`,
    );
  });

  it('reaches an allowed endpoint', async () => {
    const r = await sql(
      `CREATE REPOSITORY ok1 WITH BROKER ON LOCATION "${freshS3Location('bucket_s3', 'serve-door')}" PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}")`,
    );
    expect(r.status).toBe(200);
  });

  it('never echoes a secret: statements come back redacted', async () => {
    const r = await sql(`CREATE REPOSITORY s5 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES (${keys}, "aws.s3.endpoint" = "http://127.0.0.1:${bait.port}")`);
    expect(r.raw).not.toContain(SECRET);
    expect(r.body.error.statement).toBe(
      `CREATE REPOSITORY s5 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.access_key" = "***", "aws.s3.secret_key" = "***", "aws.s3.endpoint" = "http://127.0.0.1:${bait.port}")`,
    );
    const ok = await sql(`CREATE REPOSITORY ok2 WITH BROKER ON LOCATION "${freshS3Location('bucket_s3', 'serve-door')}" PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}")`);
    expect(ok.body.results[0].statement).toContain(`"aws.s3.secret_key" = "***"`);
  });

  it('sent nothing to the bait', () => {
    expect(bait.connections).toBe(0);
    expect(bait.received.length).toBe(0);
  });
});
