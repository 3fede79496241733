import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/** The embedded CLI acts for the home's owner: anywhere their user reaches, except the system trees and the home. */
const temp = useTempDirs('owner-door');
const BIN = join(import.meta.dirname, '../../bin/starbackup.js');
let c: TestCluster;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  await c.sql('CREATE DATABASE d; USE d; CREATE TABLE t (k INT, v VARCHAR(8)) DISTRIBUTED BY HASH(k) BUCKETS 1');
});
afterAll(async () => {
  await c?.close();
});

describe('the embedded CLI', () => {
  it('loads a file anywhere its user can read', async () => {
    await mkdir(join(dir, 'anywhere'));
    await writeFile(join(dir, 'anywhere', 'x.csv'), '1\ta\n');
    await c.sql(`INSERT INTO t SELECT * FROM FILES("path" = "file://${dir}/anywhere/x.csv", "format" = "csv")`);
    expect(await c.count('t')).toBe(1);
  });

  it('still refuses /proc and the home itself', async () => {
    expect(await c.error(`INSERT INTO t SELECT * FROM FILES("path" = "file:///proc/self/environ", "format" = "csv")`)).toBe(
      `FILES() may not reach /proc/${process.pid}/environ: /proc, /sys, /dev and the home's own files are never reachable from a statement`,
    );
    expect(await c.error(`INSERT INTO t SELECT * FROM FILES("path" = "file://${c.home}/secret.key", "format" = "csv")`)).toBe(
      `FILES() may not reach ${c.home}/secret.key: /proc, /sys, /dev and the home's own files are never reachable from a statement`,
    );
    expect(await c.error(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${c.home}/data"`)).toBe(
      `Failed to create repository r on file://${c.home}/data: A repository may not reach ${c.home}/data/__starbackup_repository_r: /proc, /sys, /dev and the home's own files are never reachable from a statement`,
    );
    expect(await c.count('t')).toBe(1);
  });

  it('prints statements with their secrets masked (--json and errors)', async () => {
    const home = join(await temp.make(), 'home');
    const secret = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const r = spawnSync(process.execPath, [BIN, 'sql', '--home', home, '--json', `CREATE REPOSITORY r WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.access_key" = "AKIA", "aws.s3.secret_key" = "${secret}", "aws.s3.endpoint" = "http://127.0.0.1:1")`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(secret);
    const [out] = JSON.parse(r.stdout);
    expect(out.statement).toBe('CREATE REPOSITORY r WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.access_key" = "***", "aws.s3.secret_key" = "***", "aws.s3.endpoint" = "http://127.0.0.1:1")');
    expect(out.error.message).toMatch(/^Failed to create repository r on s3:\/\/bkt\/p: Cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
