import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_CONFLICT } from '../../lib/control/lock-store.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type UploadGate, startUploadGate } from '../support/upload-gate.ts';
import { runCli } from '../support/run-process.ts';

const BIN = join(import.meta.dirname, '../../bin/starbackup.js');
/**
 * Nothing here waits for a set time: jobs are followed to a state, and a job that must still be running
 * is held there by a gate. The limits are for a slow, loaded machine: a `starbackup sql` alone is a Node
 * start with the TypeScript loader, seconds when the cores are busy.
 */
const TEST_MS = 300_000;
const WAIT_MS = 240_000;
const temp = useTempDirs('serve');
let dir: string;
let home: string;
let server: ChildProcess;
let url: string;
let token: string;
let stderr = '';
let gate: UploadGate | undefined;

/**
 * `starbackup` in a process of its own, as from a second terminal. Asynchronous, so this process keeps
 * answering for the upload gate while it runs.
 */
const cli = (args: string[]) => runCli(args);

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (server && (server.exitCode !== null || server.signalCode !== null)) {
      throw new Error(`the server exited (${server.exitCode ?? server.signalCode}) while waiting for ${what}; server stderr: ${stderr}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; server stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One HTTP request on a connection of its own. A kept-alive connection (fetch's) races the server's idle
 * timeout after a pause, such as while a CLI runs: on a loaded machine the server closes the socket just
 * as the next request is written on it, and the request fails with "other side closed".
 */
function http(method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function post(body: unknown, auth: string | null = token) {
  const headers = { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) };
  const r = await http('POST', url, headers, JSON.stringify(body));
  return { status: r.status, body: JSON.parse(r.text) as any, headers: r.headers };
}

beforeAll(async () => {
  dir = await temp.make();
  gate = await startUploadGate(s3Endpoint());
  home = join(dir, 'home');
  // serve reaches no local folder and no loopback endpoint unless its home's configuration allows them.
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'starbackup.conf'), `allowed_file_paths = ${dir}\nallowed_endpoints = ${new URL(gate.endpoint).host}\n`);
  server = spawn(process.execPath, [BIN, 'serve', '--home', home, '--port', '0', '--mysql-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
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
}, TEST_MS);

afterAll(async () => {
  if (server && server.exitCode === null) {
    gate?.open(); // a server stops only once its jobs have
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  await gate?.close();
}, TEST_MS);

describe('starbackup serve', { timeout: TEST_MS }, () => {
  it('keeps its token in the home with mode 0600', () => {
    expect(statSync(join(home, 'server-token')).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('requires the bearer token: 401 without or with a wrong one, 200 with it', async () => {
    const none = await post({ sql: 'SHOW DATABASES' }, null);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="starbackup", Bearer');
    expect(none.body.error.code).toBe('UnauthorizedError');
    expect((await post({ sql: 'SHOW DATABASES' }, 'f'.repeat(64))).status).toBe(401);
    expect(await post({ sql: 'SHOW DATABASES' })).toMatchObject({ status: 200, body: { results: [{ statement: 'SHOW DATABASES', columns: ['Database'], rows: [] }] } });
  });

  it('answers other routes and methods with 404 and 405', async () => {
    expect((await http('POST', url.replace('/v1/sql', '/v2/sql'))).status).toBe(404);
    expect((await http('GET', url, { authorization: `Bearer ${token}` })).status).toBe(405);
  });

  it('returns from BACKUP at once and runs the job in the background; SHOW BACKUP follows it to FINISHED', async () => {
    mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
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

  it('is where `starbackup sql --home` sends its statements while it runs, with the same output', async () => {
    const json = await cli(['sql', '--home', home, '--json', 'SHOW SNAPSHOT ON r; SELECT COUNT(*) FROM d.nope']);
    expect(json.status).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out[0].statement).toBe('SHOW SNAPSHOT ON r');
    expect(out[0].columns.slice(0, 3)).toEqual(['Snapshot', 'Timestamp', 'Status']);
    expect(out[0].rows.map((r: string[]) => [r[0], r[2]])).toEqual([['s1', 'OK']]);
    expect(out[1]).toEqual({ statement: 'SELECT COUNT(*) FROM d.nope', error: { code: 'NotFoundError', errno: 5502, sqlstate: '42602', message: "Unknown table 'd.nope'" } });
    const table = await cli(['sql', '--home', home, 'SELECT COUNT(*) FROM d.t']);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^\+----------\+\n\| count\(\*\) \|\n\+----------\+\n\|        3 \|\n\+----------\+\n1 row in set \(\d+\.\d\d sec\)\n$/);
    // errno and SQLSTATE come over the wire, so the forwarded CLI prints what the embedded one does.
    const text = await cli(['sql', '--home', home, 'SELECT COUNT(*) FROM d.nope']);
    expect(text.status).toBe(1);
    expect(text.stderr).toBe("ERROR 5502 (42602): Unknown table 'd.nope'\n");
  });

  it('lets a second terminal CANCEL a running BACKUP', async () => {
    // The repository sits behind the upload gate: the backup is held in UPLOADING until CANCEL has been
    // accepted, so the cancel path is taken on every machine, however fast or loaded.
    const location = freshS3Location('conformance', 'serve-cancel');
    const properties = Object.entries(s3rverProperties({ 'aws.s3.endpoint': gate!.endpoint }))
      .map(([k, v]) => `"${k}" = "${v}"`).join(', ');
    const setup = await post({ sql: `CREATE DATABASE busy; CREATE TABLE busy.t (k INT NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 8;
      INSERT INTO busy.t VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10);
      CREATE REPOSITORY gated WITH BROKER ON LOCATION "${location}" PROPERTIES (${properties})` });
    expect(setup.status, JSON.stringify(setup.body)).toBe(200);
    const backup = await post({ sql: 'BACKUP DATABASE busy SNAPSHOT s2 TO gated' });
    expect(backup.status, JSON.stringify(backup.body)).toBe(200);
    const jobId = backup.body.results[0].rows[0][0];
    await waitFor('a blob upload to reach the gate', () => (gate!.held() > 0 ? true : undefined));
    const show = async () => (await post({ sql: 'SHOW BACKUP FROM busy' })).body.results[0].rows[0] as string[];
    expect((await show()).slice(0, 4)).toEqual([jobId, 's2', 'busy', 'UPLOADING']);

    const cancel = await cli(['sql', '--home', home, '--json', 'CANCEL BACKUP FROM busy']);
    expect(cancel.status, cancel.stdout + cancel.stderr).toBe(0);
    const [outcome] = JSON.parse(cancel.stdout);
    expect(outcome.statement).toBe('CANCEL BACKUP FROM busy');
    expect(outcome.error).toBeUndefined();
    expect((await show())[3]).toBe('UPLOADING'); // flagged, still held: the job sees the flag once it moves on

    gate!.open();
    const final = await waitFor('the backup to end', async () => {
      const row = await show();
      return row[3] === 'FINISHED' || row[3] === 'CANCELLED' ? row : undefined;
    });
    expect([final[0], final[3], final[12]]).toEqual([jobId, 'CANCELLED', '[COMMON_ERROR, msg: user cancelled]']);
    expect((await post({ sql: "SHOW SNAPSHOT ON gated WHERE SNAPSHOT = 's2'" })).body.results[0].rows[0][2]).toBe('ERROR: no snapshot');

    // The cancel path releases the database lock once the job shows CANCELLED: a new backup is taken.
    const next = await waitFor('the lock of busy to be released', async () => {
      const r = await post({ sql: 'BACKUP DATABASE busy SNAPSHOT s3 TO gated' });
      return r.body.error?.message === LOCK_CONFLICT ? undefined : r;
    });
    expect(next.status, JSON.stringify(next.body)).toBe(200);
    const done = await waitFor('the next backup to end', async () => {
      const row = await show();
      return row[1] === 's3' && (row[3] === 'FINISHED' || row[3] === 'CANCELLED') ? row[3] : undefined;
    });
    expect(done).toBe('FINISHED');
  });

  it('stops on SIGTERM, removes server.json, and the home opens embedded again', async () => {
    server.kill('SIGTERM');
    const code = await new Promise((r) => server.once('exit', r));
    expect(code).toBe(0);
    expect(existsSync(join(home, 'server.json'))).toBe(false);
    const r = await cli(['sql', '--home', home, '--json', 'SELECT COUNT(*) FROM d.t']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].rows).toEqual([['3']]);
  });
});
