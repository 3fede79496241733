import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';

const BIN = join(import.meta.dirname, '../../bin/starbackup.js');
const temp = useTempDirs('serve');
let dir: string;
let home: string;
let server: ChildProcess;
let url: string;
let token: string;
let stderr = '';

const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; server stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post(body: unknown, auth: string | null = token) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() as any, headers: r.headers };
}

beforeAll(async () => {
  dir = await temp.make();
  home = join(dir, 'home');
  server = spawn(process.execPath, [BIN, 'serve', '--home', home, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.on('data', (d) => { stderr += String(d); });
  const info = await waitFor('server.json', () => {
    try {
      return JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as { port: number; pid: number };
    } catch {
      return undefined;
    }
  });
  expect(info.pid).toBe(server.pid);
  url = `http://127.0.0.1:${info.port}/v1/sql`;
  token = readFileSync(join(home, 'server-token'), 'utf8').trim();
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
});

describe('starbackup serve', () => {
  it('keeps its token in the home with mode 0600', () => {
    expect(statSync(join(home, 'server-token')).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires the bearer token: 401 without or with a wrong one, 200 with it', async () => {
    const none = await post({ sql: 'SHOW DATABASES' }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error.code).toBe('UnauthorizedError');
    expect((await post({ sql: 'SHOW DATABASES' }, 'f'.repeat(64))).status).toBe(401);
    expect(await post({ sql: 'SHOW DATABASES' })).toMatchObject({ status: 200, body: { results: [{ statement: 'SHOW DATABASES', columns: ['Database'], rows: [] }] } });
  });

  it('answers other routes and methods with 404 and 405', async () => {
    expect((await fetch(url.replace('/v1/sql', '/v2/sql'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  it('returns from BACKUP at once and runs the job in the background; SHOW BACKUP follows it to FINISHED', async () => {
    const setup = await post({ sql: `CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 4; INSERT INTO d.t VALUES (1), (2), (3);
      CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"` });
    expect(setup.status).toBe(200);
    const backup = await post({ sql: 'BACKUP DATABASE d SNAPSHOT s1 TO r' });
    expect(backup.status).toBe(200);
    const [[jobId, label, state]] = backup.body.results[0].rows;
    expect(label).toBe('s1');
    expect(['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOADING', 'SAVE_META', 'UPLOAD_INFO', 'FINISHED']).toContain(state);
    const finished = await waitFor('the backup to finish', async () => {
      const rows = (await post({ sql: 'SHOW BACKUP', database: 'd' })).body.results[0].rows as string[][];
      return rows[0]?.[3] === 'FINISHED' ? rows[0] : undefined;
    });
    expect(finished[0]).toBe(jobId);
  });

  it('is where `starbackup sql --home` sends its statements while it runs, with the same output', () => {
    const json = cli(['sql', '--home', home, '--json', 'SHOW SNAPSHOT ON r; SELECT COUNT(*) FROM d.nope']);
    expect(json.status).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out[0].statement).toBe('SHOW SNAPSHOT ON r');
    expect(out[0].columns.slice(0, 3)).toEqual(['Snapshot', 'Timestamp', 'Status']);
    expect(out[0].rows.map((r: string[]) => [r[0], r[2]])).toEqual([['s1', 'OK']]);
    expect(out[1]).toEqual({ statement: 'SELECT COUNT(*) FROM d.nope', error: { code: 'NotFoundError', message: "Unknown table 'd.nope'" } });
    const table = cli(['sql', '--home', home, 'SELECT COUNT(*) FROM d.t']);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^\+----------\+\n\| count\(\*\) \|\n\+----------\+\n\| 3        \|\n\+----------\+\n1 row in set \(\d+\.\d\d sec\)\n$/);
  });

  it('lets a second terminal CANCEL a running BACKUP', async () => {
    // 20 partitions x 64 buckets: enough segment files that the backup is still running when CANCEL arrives.
    const partitions = Array.from({ length: 20 }, (_, i) => `PARTITION p${i} VALUES LESS THAN ('${2001 + i}-01-01')`).join(', ');
    const rows = Array.from({ length: 6000 }, (_, i) => `(${i}, '${2000 + (i % 20)}-06-01')`).join(', ');
    const setup = await post({ sql: `CREATE DATABASE big; CREATE TABLE big.t (k INT NOT NULL, dt DATE NOT NULL) DUPLICATE KEY (k)
      PARTITION BY RANGE (dt) (${partitions}) DISTRIBUTED BY HASH (k) BUCKETS 64; INSERT INTO big.t VALUES ${rows}` });
    expect(setup.status).toBe(200);
    expect((await post({ sql: 'BACKUP DATABASE big SNAPSHOT s2 TO r' })).status).toBe(200);
    const cancel = cli(['sql', '--home', home, '--json', 'CANCEL BACKUP FROM big']);
    const [outcome] = JSON.parse(cancel.stdout);
    const final = await waitFor('the backup to end', async () => {
      const state = (await post({ sql: 'SHOW BACKUP FROM big' })).body.results[0].rows[0]?.[3];
      return state === 'FINISHED' || state === 'CANCELLED' ? state : undefined;
    });
    // On a fast machine the job may finish before the flag is seen; then CANCEL says it cannot be cancelled.
    if (outcome.error) {
      expect(outcome.error.message).toContain('can not be cancelled');
      expect(final).toBe('FINISHED');
    } else {
      expect(cancel.status).toBe(0);
      expect(final).toBe('CANCELLED');
      const lock = await post({ sql: 'BACKUP DATABASE big SNAPSHOT s3 TO r' });
      expect(lock.status).toBe(200); // the cancel path released the database lock
    }
  });

  it('stops on SIGTERM, removes server.json, and the home opens embedded again', async () => {
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(join(home, 'server.json'))).toBe(false);
    const r = cli(['sql', '--home', home, '--json', 'SELECT COUNT(*) FROM d.t']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].rows).toEqual([['3']]);
  });
});
