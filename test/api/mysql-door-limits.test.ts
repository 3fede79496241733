import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { Capability, Command } from '../../lib/adapters/mysql/capabilities.ts';
import { WireReader, WireWriter } from '../../lib/adapters/mysql/wire-buffer.ts';
import { type Raw, openRaw } from '../support/raw-connection.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * The listener limits (bin/listener-limits.ts) on the MySQL door, and the commands no client library
 * here sends (COM_FIELD_LIST), on raw bytes. Small limits so that each refusal is cheap to reach.
 */
const LIMITS = { maxSqlBytes: 4096, maxBodyBytes: 16 * 1024, smallBodyBytes: 1024, maxConnections: 3, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
const temp = useTempDirs('mysql-door-limits');
let server: LocalServer;
let port: number;

const connect = () => mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });

beforeAll(async () => {
  server = await startServer({ home: join(await temp.make(), 'home'), port: 0, mysqlPort: 0, limits: LIMITS });
  port = server.mysqlPort!;
  const c = await connect();
  await c.query('CREATE DATABASE d');
  await c.query('CREATE TABLE d.t (k INT NOT NULL, name VARCHAR(10)) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 1');
  await c.end();
});

afterAll(async () => {
  await server?.close();
});

/** The payloads of the packets received so far, in order. */
function packets(raw: Raw): Buffer[] {
  const bytes = Buffer.from(raw.received(), 'latin1');
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const length = bytes.readUIntLE(at, 3);
    if (at + 4 + length > bytes.length) break;
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

const frame = (payload: Buffer, seq: number) => Buffer.concat([Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, seq]), payload]);

/** Logs in as `user` (root by default; an empty password) in database `db` over a raw connection. */
async function rawLogin(db: string, user = 'root'): Promise<Raw> {
  const raw = await openRaw(port);
  await raw.until(() => packets(raw).length >= 1);
  const caps = Capability.PROTOCOL_41 | Capability.SECURE_CONNECTION | Capability.PLUGIN_AUTH | Capability.CONNECT_WITH_DB;
  const response = new WireWriter().u32(caps).u32(1 << 24).u8(33).zeros(23).nulString(user).u8(0).nulString(db).nulString('mysql_native_password').build();
  raw.socket.write(frame(response, 1));
  expect(await raw.until(() => packets(raw).length >= 2)).toBe(true);
  expect(packets(raw)[1]![0]).toBe(0x00);
  return raw;
}

describe('the MySQL door under the listener limits', () => {
  it('lists a table\'s columns for COM_FIELD_LIST, ending with EOF', async () => {
    const raw = await rawLogin('d');
    raw.socket.write(frame(Buffer.concat([Buffer.of(Command.FIELD_LIST), Buffer.from('t\0')]), 0));
    expect(await raw.until(() => packets(raw).at(-1)?.[0] === 0xfe)).toBe(true);
    const defs = packets(raw).slice(2, -1).map((p) => {
      const r = new WireReader(p);
      return [r.lenencBytes(), r.lenencBytes(), r.lenencBytes(), r.lenencBytes(), r.lenencBytes()].map(String);
    });
    expect(defs).toEqual([['def', 'd', 't', 't', 'k'], ['def', 'd', 't', 't', 'name']]);
    raw.socket.write(frame(Buffer.concat([Buffer.of(Command.FIELD_LIST), Buffer.from('nope\0')]), 0));
    expect(await raw.until(() => packets(raw).at(-1)?.[0] === 0xff)).toBe(true);
    expect(packets(raw).at(-1)!.subarray(9).toString()).toBe("Unknown table 'nope'");
    raw.socket.destroy();
  });

  it("lists the columns only of a table the user holds a privilege on (as SHOW CREATE TABLE)", async () => {
    // fe-core sql/analyzer/Authorizer.checkAnyActionOnTableLikeObject; common/ErrorCode.ERR_ACCESS_DENIED.
    const c = await connect();
    try {
      await c.query('CREATE TABLE d.other (k INT NOT NULL) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 1');
      await c.query('CREATE USER peek');
      await c.query('GRANT SELECT ON TABLE d.other TO USER peek');
    } finally {
      await c.end();
    }
    const raw = await rawLogin('d', 'peek');
    raw.socket.write(frame(Buffer.concat([Buffer.of(Command.FIELD_LIST), Buffer.from('t\0')]), 0));
    expect(await raw.until(() => packets(raw).at(-1)?.[0] === 0xff)).toBe(true);
    const err = packets(raw).at(-1)!;
    expect(err.readUInt16LE(1)).toBe(5203);
    expect(err.subarray(9).toString()).toBe('Access denied; you need (at least one of) the ANY privilege(s) on TABLE t for this operation. '
      + 'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.');
    raw.socket.write(frame(Buffer.concat([Buffer.of(Command.FIELD_LIST), Buffer.from('other\0')]), 0));
    expect(await raw.until(() => packets(raw).at(-1)?.[0] === 0xfe)).toBe(true);
    raw.socket.destroy();
  });

  it('refuses a query over the SQL limit, and a command over the packet limit unread, and goes on', async () => {
    const c = await connect();
    try {
      await expect(c.query(`SELECT 1 /* ${'x'.repeat(5000)} */`)).rejects.toMatchObject({
        errno: 1153, message: 'The query is 5015 bytes; a query may carry at most 4096 bytes of SQL, so split the script into several queries',
      });
      await expect(c.query(`SELECT 1 /* ${'x'.repeat(20_000)} */`)).rejects.toMatchObject({
        errno: 1153, message: "Got a packet bigger than 'max_allowed_packet' bytes: a command may carry at most 16384 bytes; nothing ran",
      });
      const [dbs] = await c.query('SHOW DATABASES');
      expect(dbs).toEqual([{ Database: 'd' }]);
    } finally {
      await c.end();
    }
  });

  it('closes a connection that does not finish its handshake in time', async () => {
    const raw = await openRaw(port);
    await raw.closed;
    expect(packets(raw).length).toBe(1); // the server's handshake, then nothing
  });

  it('caps the connections: one over the cap is closed at once while the others are in use', async () => {
    const open = [await connect(), await connect(), await connect()];
    try {
      await expect(connect()).rejects.toThrow();
      await open[0]!.end();
      open.shift();
      await waitUntilAdmitted();
    } finally {
      await Promise.all(open.map((c) => c.end()));
    }
  });
});

/** A closed connection leaves the cap when its close event has run: retried until then. */
async function waitUntilAdmitted(): Promise<void> {
  for (;;) {
    const c = await connect().catch(() => undefined);
    if (c) return c.end();
    await new Promise((r) => setTimeout(r, 20));
  }
}
