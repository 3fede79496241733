import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type UploadGate, startUploadGate } from '../support/upload-gate.ts';

/**
 * BACKUP and RESTORE through the MySQL door: they answer an OK packet once the job is accepted (as
 * StarRocks' BACKUP does: BackupHandler submits the job and the statement returns), SHOW BACKUP follows
 * the job, and CANCEL BACKUP from a second connection stops it. Nothing waits for a set time: the
 * backup is held in UPLOADING by the upload gate until the test opens it.
 */
const temp = useTempDirs('mysql-door-jobs');
let server: LocalServer;
let gate: UploadGate;
let dir: string;
/** A loopback port nothing listens on (port 1 needs root to bind). */
const UNREACHABLE = '127.0.0.1:1';

const connect = () => mysql.createConnection({ host: '127.0.0.1', port: server.mysqlPort!, user: 'root' });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = await temp.make();
  gate = await startUploadGate(s3Endpoint());
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'starbackup.conf'), `allowed_file_paths = ${dir}\nallowed_endpoints = ${new URL(gate.endpoint).host}, ${UNREACHABLE}\n`);
  server = await startServer({ home, port: 0, mysqlPort: 0 });
}, 120_000);

afterAll(async () => {
  gate?.open(); // a server closes only once its jobs have ended
  await server?.close();
  await gate?.close();
}, 120_000);

describe('jobs through the MySQL door', { timeout: 300_000 }, () => {
  it('answers BACKUP and RESTORE with an OK naming the job; SHOW BACKUP and SHOW RESTORE follow them', async () => {
    mkdirSync(join(dir, 'repo'));
    const c = await connect();
    try {
      await c.query('CREATE DATABASE src');
      await c.query('CREATE TABLE src.t (k INT NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 2');
      await c.query('INSERT INTO src.t VALUES (1), (2), (3)');
      await c.query(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`);
      const [backup] = await c.query('BACKUP DATABASE src SNAPSHOT s1 TO r');
      expect(backup).toMatchObject({ affectedRows: 0, info: expect.stringMatching(/^JobId: \S+$/) });
      const jobId = (backup as mysql.ResultSetHeader).info.slice('JobId: '.length);
      const finished = await waitFor('the backup to finish', async () => {
        const [rows] = await c.query({ sql: 'SHOW BACKUP FROM src', rowsAsArray: true });
        const row = (rows as string[][])[0];
        return row?.[3] === 'FINISHED' ? row : undefined;
      });
      expect(finished.slice(0, 3)).toEqual([jobId, 's1', 'src']);
      const [snapshots] = await c.execute({ sql: 'SHOW SNAPSHOT ON r WHERE SNAPSHOT = ?', rowsAsArray: true }, ['s1']);
      const timestamp = (snapshots as string[][])[0]![1]!;
      const [restore] = await c.query(`RESTORE SNAPSHOT s1 FROM r DATABASE src AS dst PROPERTIES ("backup_timestamp" = "${timestamp}")`);
      expect(restore).toMatchObject({ info: expect.stringMatching(/^JobId: \S+$/) });
      await waitFor('the restore to finish', async () => {
        const [rows] = await c.query({ sql: 'SHOW RESTORE FROM dst', rowsAsArray: true });
        return (rows as string[][])[0]?.[4] === 'FINISHED' ? true : undefined;
      });
      const [count] = await c.query({ sql: 'SELECT COUNT(*) FROM dst.t', rowsAsArray: true });
      expect(count).toEqual([['3']]);
    } finally {
      await c.end();
    }
  });

  it('cancels a running BACKUP from a second connection', async () => {
    const location = freshS3Location('conformance', 'mysql-door-cancel');
    const properties = Object.entries(s3rverProperties({ 'aws.s3.endpoint': gate.endpoint })).map(([k, v]) => `"${k}" = "${v}"`).join(', ');
    const first = await connect();
    const second = await connect();
    try {
      await first.query('CREATE DATABASE busy');
      await first.query('CREATE TABLE busy.t (k INT NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 4');
      await first.query('INSERT INTO busy.t VALUES (1), (2), (3), (4), (5), (6), (7), (8)');
      await first.query(`CREATE REPOSITORY gated WITH BROKER ON LOCATION "${location}" PROPERTIES (${properties})`);
      const [backup] = await first.query('BACKUP DATABASE busy SNAPSHOT s2 TO gated');
      const jobId = (backup as mysql.ResultSetHeader).info.slice('JobId: '.length);
      await waitFor('a blob upload to reach the gate', async () => (gate.held() > 0 ? true : undefined));
      const show = async () => ((await first.query({ sql: 'SHOW BACKUP FROM busy', rowsAsArray: true }))[0] as string[][])[0]!;
      expect((await show()).slice(0, 4)).toEqual([jobId, 's2', 'busy', 'UPLOADING']);
      await second.query('CANCEL BACKUP FROM busy');
      gate.open();
      const final = await waitFor('the backup to end', async () => {
        const row = await show();
        return row[3] === 'FINISHED' || row[3] === 'CANCELLED' ? row : undefined;
      });
      expect([final[0], final[3]]).toEqual([jobId, 'CANCELLED']);
      // Nothing left to cancel: StarRocks' message (BackupHandler.cancel) as a MySQL error.
      await expect(second.query('CANCEL BACKUP FROM busy')).rejects.toMatchObject({ errno: 1064, sqlState: 'HY000', message: expect.stringMatching(/^Failed to cancel job: Job with label s2 can not be cancelled\. state: CANCELLED$/) });
    } finally {
      await first.end();
      await second.end();
    }
  });

  it('masks secrets in the error of a statement that carries them, as the HTTP API does', async () => {
    const c = await connect();
    try {
      // The secret key's value is also the endpoint here, so the message quotes it, masked.
      const secret = `http://${UNREACHABLE}`;
      const sql = `CREATE REPOSITORY bad WITH BROKER ON LOCATION "s3://bucket-one/p" PROPERTIES ("aws.s3.access_key" = "AKIAEXAMPLEKEY",
        "aws.s3.secret_key" = "${secret}", "aws.s3.region" = "us-east-1", "aws.s3.endpoint" = "${secret}")`;
      const error = await c.query(sql).then(() => undefined, (e: mysql.QueryError) => e);
      expect(error).toMatchObject({ errno: 1064, sqlState: 'HY000', message: expect.stringMatching(/^Failed to create repository bad on s3:\/\/bucket-one\/p: Cannot reach \*{6} to list /) });
      expect(error!.message).not.toContain(UNREACHABLE);
    } finally {
      await c.end();
    }
  });
});
