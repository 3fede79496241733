import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListenerLimits } from '../../bin/listener-limits.ts';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { runCli } from '../support/run-process.ts';
import { type Raw, openRaw, responses } from '../support/raw-connection.ts';

/**
 * `starbackup serve` under abuse, against a real server on 127.0.0.1 with small limits. Nothing here
 * asserts a duration: every step waits for an outcome (a response, a close), so a loaded machine is only slower.
 */
const KiB = 1024;
const temp = useTempDirs('server-limits');

const LIMITS: Partial<ListenerLimits> = {
  maxBodyBytes: 64 * KiB,
  maxSqlBytes: 16 * KiB,
  bodyBudgetBytes: 128 * KiB,
  smallBodyBytes: 1 * KiB,
  smallBudgetBytes: 64 * KiB,
  runBudgetBytes: 64 * KiB,
  maxConnections: 8,
  // Long enough that no idle connection of a test is closed under it.
  keepAliveTimeoutMs: 120_000,
};
/** A second server, whose only purpose is short timeouts. */
const SHORT: Partial<ListenerLimits> = { ...LIMITS, headersTimeoutMs: 1_000, requestTimeoutMs: 3_000 };

let home: string;
let server: LocalServer;
let token: string;

beforeAll(async () => {
  home = join(await temp.make(), 'home');
  server = await startServer({ home, port: 0, limits: LIMITS });
  token = readFileSync(server.tokenFile, 'utf8').trim();
});
afterAll(async () => {
  await server?.close();
});

const open = (port = server.port): Promise<Raw> => openRaw(port);

const responded = (n: number) => (text: string) => responses(text).length >= n;

function head(length: number | 'chunked', extra: string[] = [], bearer = token): string {
  const size = length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`;
  return ['POST /v1/sql HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${bearer}`, 'Content-Type: application/json', size, ...extra, '', ''].join('\r\n');
}

/** A JSON body of exactly `size` bytes running `sql`: the padding is whitespace after the object. */
function padded(sql: string, size: number): string {
  const json = JSON.stringify({ sql });
  return json + ' '.repeat(size - json.length);
}

async function post(body: unknown, port = server.port) {
  const r = await fetch(`http://127.0.0.1:${port}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() as any, headers: r.headers };
}

const cli = (args: string[]) => runCli(args);

describe('request bodies', () => {
  it('refuses a declared body over the limit with 413 before reading it, and closes the connection', async () => {
    const raw = await open();
    raw.socket.write(head(10 * 1024 * 1024));
    raw.socket.write(' '.repeat(4 * KiB)); // a small part of the 10 MiB it announced
    expect(await raw.until(responded(1))).toBe(true);
    const [r] = responses(raw.received());
    expect(r!.status).toBe(413);
    expect(r!.headers.connection).toBe('close');
    expect(r!.body.error).toEqual({ code: 'PayloadTooLargeError', message: 'Request body is larger than 65536 bytes; split the script into several requests' });
    await raw.closed;
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const raw = await open();
    raw.socket.write(head('chunked'));
    const chunk = ' '.repeat(16 * KiB);
    // Five chunks pass 64 KiB; the body is never terminated, so only the limit can end this request.
    for (let i = 0; i < 5; i++) raw.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    expect(await raw.until(responded(1))).toBe(true);
    expect(responses(raw.received())[0]!).toMatchObject({ status: 413, body: { error: { code: 'PayloadTooLargeError' } } });
    await raw.closed;
  });

  it('refuses more SQL than one request may carry, even in a body within the limit', async () => {
    const sql = `SHOW DATABASES /* ${'x'.repeat(20 * KiB)} */`;
    const r = await post({ sql });
    expect(r.status).toBe(413);
    expect(r.body.error).toEqual({
      code: 'PayloadTooLargeError',
      message: `"sql" is ${Buffer.byteLength(sql)} bytes; a request may carry at most 16384 bytes of SQL, so split the script into several requests`,
    });
  });

  it('answers 503 with Retry-After when large bodies in flight exceed the budget, while a small request still succeeds', async () => {
    const size = 60 * KiB;
    // Two bodies of 60 KiB are announced and accepted ("100 Continue" comes once the budget holds them)...
    const held = [await open(), await open()];
    for (const raw of held) {
      raw.socket.write(head(size, ['Expect: 100-continue']));
      expect(await raw.until((t) => t.startsWith('HTTP/1.1 100 Continue'))).toBe(true);
    }
    // ...so a third does not fit the 128 KiB budget: refused before a byte of it is sent.
    const third = await open();
    third.socket.write(head(size, ['Expect: 100-continue']));
    expect(await third.until(responded(1))).toBe(true);
    const [busy] = responses(third.received());
    expect(busy!.status).toBe(503);
    expect(busy!.headers['retry-after']).toBe('1');
    expect(busy!.body.error).toEqual({ code: 'ServerBusyError', message: "The server is busy: other requests' bodies fill its memory budget; nothing ran, retry in 1 s" });
    await third.closed;
    // Small requests have their own share.
    expect(await post({ sql: 'SHOW DATABASES' })).toMatchObject({ status: 200, body: { results: [{ statement: 'SHOW DATABASES' }] } });
    // The two held bodies complete and run; then the budget has room again.
    for (const raw of held) raw.socket.write(padded('SHOW DATABASES', size));
    for (const raw of held) {
      expect(await raw.until(responded(1))).toBe(true);
      expect(responses(raw.received())[0]!.status).toBe(200);
      raw.socket.destroy();
    }
    expect((await post(padded('SHOW DATABASES', size))).status).toBe(200);
  });

  it('reports the database the statements left, for the next request', async () => {
    const r = await post({ sql: 'CREATE DATABASE carried; USE carried' });
    expect(r.status).toBe(200);
    expect(r.body.database).toBe('carried');
    expect((await post({ sql: 'SHOW TABLES', database: 'carried' })).body.database).toBe('carried');
    expect((await post({ sql: 'SHOW DATABASES' })).body.database).toBeUndefined();
  });
});

describe('connections', () => {
  const cap = LIMITS.maxConnections!;
  const showDatabases = JSON.stringify({ sql: 'SHOW DATABASES' });
  /** A request on a new connection: its status, or 0 when the server closed it without an answer. */
  async function onNewConnection(): Promise<{ raw: Raw; status: number }> {
    const raw = await open();
    raw.socket.write(head(showDatabases.length) + showDatabases);
    return { raw, status: await raw.until(responded(1)) ? responses(raw.received())[0]!.status : 0 };
  }

  it('gives the place of a half-open connection to a new one at the cap, so a flood of them locks no client out', async () => {
    const flood: Raw[] = [];
    for (let i = 0; i < 3 * cap; i++) {
      const raw = await open();
      raw.socket.write('POST /v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      flood.push(raw);
    }
    // The last `cap` of them hold every place now: each newer one took the place of an older one.
    await Promise.all(flood.slice(0, 2 * cap).map((r) => r.closed));
    const { raw, status } = await onNewConnection();
    expect(status).toBe(200);
    await flood[2 * cap]!.closed; // the oldest gave its place
    [raw, ...flood].forEach((r) => r.socket.destroy());
  });

  it('closes a new connection when every place is in use, while those keep working', async () => {
    const inUse: Raw[] = [];
    for (let i = 0; i < cap; i++) {
      const raw = await open();
      // A request whose body has not come yet: the connection is in use ("100 Continue" says the server has it).
      raw.socket.write(head(showDatabases.length, ['Expect: 100-continue']));
      expect(await raw.until((t) => t.startsWith('HTTP/1.1 100 Continue'))).toBe(true);
      inUse.push(raw);
    }
    const refused = await onNewConnection();
    expect(refused.status).toBe(0);
    expect(refused.raw.received()).toBe('');
    // `starbackup sql` says so instead of waiting forever (Node 20's fetch would never settle here).
    const turnedAway = await cli(['sql', '--home', home, 'SHOW DATABASES']);
    expect(turnedAway.status, turnedAway.stderr).toBe(1);
    expect(turnedAway.stderr).toContain('cannot reach the starbackup server of this home');
    expect(turnedAway.stderr).toContain('it may be at its connection limit');
    // The connections in use are answered...
    inUse[0]!.socket.write(showDatabases);
    expect(await inUse[0]!.until(responded(1))).toBe(true);
    expect(responses(inUse[0]!.received())[0]!.status).toBe(200);
    // ...and the one answered, idle now, gives its place to the next new connection.
    const next = await onNewConnection();
    expect(next.status).toBe(200);
    await inUse[0]!.closed;
    [next.raw, ...inUse].forEach((r) => r.socket.destroy());
  });
});

describe('timeouts', () => {
  let short: LocalServer;
  let shortToken: string;
  beforeAll(async () => {
    short = await startServer({ home: join(await temp.make(), 'home'), port: 0, limits: SHORT });
    shortToken = readFileSync(short.tokenFile, 'utf8').trim();
  });
  afterAll(async () => {
    await short?.close();
  });

  it('closes a connection that sends half a header, or nothing, after the header timeout', async () => {
    const half = await open(short.port);
    half.socket.write('POST /v1/sql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthori');
    const silent = await open(short.port);
    await Promise.all([half.closed, silent.closed]);
    expect(half.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('closes a connection whose body stalls after the request timeout, and gives its budget back', async () => {
    const size = 60 * KiB;
    const stalled = [await open(short.port), await open(short.port)];
    for (const raw of stalled) {
      raw.socket.write(head(size, ['Expect: 100-continue'], shortToken));
      expect(await raw.until((t) => t.startsWith('HTTP/1.1 100 Continue'))).toBe(true);
      raw.socket.write(' '.repeat(KiB));
    }
    await Promise.all(stalled.map((r) => r.closed));
    for (const raw of stalled) expect(raw.received()).toMatch(/408 Request Timeout/);
    // Both reservations were released: two full-size bodies fit again.
    const body = padded('SHOW DATABASES', size);
    const replies = await Promise.all([0, 1].map(() => fetch(`http://127.0.0.1:${short.port}/v1/sql`, {
      method: 'POST', headers: { authorization: `Bearer ${shortToken}` }, body,
    })));
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('starbackup sql while serve runs', () => {
  it('splits a script larger than one request, carrying the database from part to part, and reports a syntax error where it is', async () => {
    const dir = await temp.make();
    const rows = (from: number) => Array.from({ length: 150 }, (_, i) => `(${from + i}, '{"k": "${from + i}", "q": "\\\\"quoted\\\\""}')`).join(', ');
    const inserts = Array.from({ length: 8 }, (_, n) => `INSERT INTO t VALUES ${rows(n * 150)};`);
    const lines = [
      'CREATE DATABASE scripted;',
      'USE scripted;',
      'CREATE TABLE t (k INT, doc STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;',
      ...inserts,
      'SELECT COUNT(*) FROM t;',
      'SELEC oops;',
      'SELECT COUNT(*) FROM t;',
    ];
    const script = lines.join('\n');
    expect(Buffer.byteLength(script)).toBeGreaterThan(3 * LIMITS.maxSqlBytes!);
    const file = join(dir, 'script.sql');
    writeFileSync(file, script);
    const r = await cli(['sql', '--home', home, '--json', '-f', file]);
    expect(r.stderr).not.toMatch(/refused|cannot reach/);
    expect(r.status, r.stderr + r.stdout).toBe(1);
    const out = JSON.parse(r.stdout) as { statement: string; rows?: string[][]; error?: { code: string; message: string } }[];
    expect(out.map((o) => o.statement)).toEqual([...lines.slice(0, -2).map((l) => l.slice(0, -1)), 'SELEC oops']);
    expect(out.slice(0, -1).every((o) => o.error === undefined)).toBe(true);
    expect(out.at(-2)!.rows).toEqual([['1200']]);
    expect(out.at(-1)!.error!.code).toBe('ParseError');
    expect(out.at(-1)!.error!.message).toContain(`line ${lines.length - 1}, column 1`);
    // The same rows as the embedded runtime would have loaded, escapes and all.
    const check = await post({ sql: "SELECT * FROM scripted.t LIMIT 1" });
    expect(check.body.results[0].rows[0][1]).toMatch(/^\{"k": "\d+", "q": "\\"quoted\\""\}$/);
  });
});
