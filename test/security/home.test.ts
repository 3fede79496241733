import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openEmbedded } from '../../bin/embedded-runtime.ts';
import { runScript } from '../../bin/run-script.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { runCli } from '../support/run-process.ts';

/**
 * The embedded home belongs to its owner: the folder and its key files are private, the embedded
 * DynamoDB listens on a Unix socket inside it instead of a TCP port any local user could reach, and a
 * damaged catalog is refused with one clear message before anything opens (or rewrites) it.
 */
const TEST_MS = 120_000;
const temp = useTempDirs('home-security');

const mode = (path: string): number => statSync(path).mode & 0o777;

/** The inodes of this process's sockets (from /proc/self/fd). */
function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/** Local ports this process listens on over TCP (IPv4 and IPv6), from /proc/net/tcp{,6}. */
function ownTcpListeners(): string[] {
  const mine = ownSocketInodes();
  const ports: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address, state (0A = LISTEN), inode
      if (f[3] === '0A' && mine.has(f[9]!)) ports.push(f[1]!);
    }
  }
  return ports.sort();
}

/** Unix socket paths this process listens on, from /proc/net/unix. */
function ownUnixListeners(): string[] {
  const mine = ownSocketInodes();
  return readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    // Flags 00010000 = __SO_ACCEPTCON (listening); inode, path
    .filter((f) => f[3] === '00010000' && mine.has(f[6]!) && f[7])
    .map((f) => f[7]!);
}

function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const cli = (args: string[]) => runCli(args);

describe('the embedded home', () => {
  it('is created 0700 with its key files 0600', async () => {
    const home = join(await temp.make(), 'new', 'home');
    const embedded = await openEmbedded(home);
    try {
      await embedded.ctx.sealer.seal({ secret: 'x' }, 'repo'); // creates secret.key
    } finally {
      await embedded.close();
    }
    expect(mode(home)).toBe(0o700);
    expect(mode(join(home, 'data'))).toBe(0o700);
    expect(mode(join(home, 'secret.key'))).toBe(0o600);
    expect(mode(join(home, 'cluster-id'))).toBe(0o600);
    // The folders above the home are made as usual, not private.
    expect(mode(join(home, '..')) & 0o077).not.toBe(0);
  }, TEST_MS);

  it('tightens a home that an older version made 0755, with its key files', async () => {
    const home = join(await temp.make(), 'old');
    mkdirSync(join(home, 'data'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    for (const [name, text] of [['cluster-id', 'c0ffee\n'], ['secret.key', `${Buffer.alloc(32, 7).toString('base64')}\n`], ['server-token', 'abc\n']]) {
      writeFileSync(join(home, name!), text!, { mode: 0o644 });
      chmodSync(join(home, name!), 0o644);
    }
    const embedded = await openEmbedded(home);
    await embedded.close();
    expect(mode(home)).toBe(0o700);
    for (const name of ['cluster-id', 'secret.key', 'server-token']) expect(mode(join(home, name))).toBe(0o600);
    expect(readFileSync(join(home, 'cluster-id'), 'utf8')).toBe('c0ffee\n');
  }, TEST_MS);
});

describe.runIf(process.platform === 'linux')('the embedded DynamoDB of an open home', () => {
  it('listens on no TCP port, only on a socket inside the 0700 home', async () => {
    const home = join(await temp.make(), 'home');
    const tcpBefore = ownTcpListeners();
    const unixBefore = ownUnixListeners();
    const embedded = await openEmbedded(home);
    const socket = join(home, 'dynamodb.sock');
    try {
      expect(ownTcpListeners()).toEqual(tcpBefore);
      // The kernel lists a socket under the name it was bound to, before it was moved to dynamodb.sock.
      const added = ownUnixListeners().filter((p) => !unixBefore.includes(p));
      expect(added.map((p) => dirname(p))).toEqual([home]);
      expect(statSync(socket).isSocket()).toBe(true);
      expect(mode(socket)).toBe(0o600);
      expect(mode(home)).toBe(0o700);
      // The catalog works through it.
      expect(await embedded.ctx.catalog.listDatabases()).toEqual([]);
    } finally {
      await embedded.close();
    }
    expect(existsSync(socket)).toBe(false);
    // Closed means closed: the home opens again at once.
    const again = await openEmbedded(home);
    expect(statSync(socket).isSocket()).toBe(true);
    await again.close();
  }, TEST_MS);

  it.runIf(process.getuid?.() === 0)('cannot be reached by another local user', async () => {
    // Only the home's own mode stands in the way: the folder above it is open to all, like /tmp.
    const parent = await temp.make();
    chmodSync(parent, 0o755);
    const home = join(parent, 'home');
    const embedded = await openEmbedded(home);
    try {
      const probe = `require('net').connect(${JSON.stringify(join(home, 'dynamodb.sock'))})` +
        `.on('connect', () => { console.log('connected'); process.exit(0); })` +
        `.on('error', (e) => { console.log(e.code); process.exit(0); });`;
      const r = spawnSync(process.execPath, ['-e', probe], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 30_000 });
      expect(r.stdout.trim()).toBe('EACCES');
    } finally {
      await embedded.close();
    }
  }, TEST_MS);
});

describe('a damaged catalog', () => {
  /** A home whose catalog holds a table file (LevelDB writes one when it replays its log at open), then one flipped byte in it. */
  async function damagedHome(): Promise<{ home: string; table: string }> {
    const home = join(await temp.make(), 'home');
    const first = await openEmbedded(home);
    const outcomes = await runScript(first.ctx, 'CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 1; INSERT INTO d.t VALUES (1)');
    await first.close();
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    await (await openEmbedded(home)).close();
    const store = join(home, 'dynamodb');
    const name = readdirSync(store).find((n) => n.endsWith('.ldb'));
    expect(name).toBeDefined();
    const table = join(store, name!);
    const bytes = readFileSync(table);
    bytes[100] ^= 0x01; // inside the first data block
    writeFileSync(table, bytes);
    return { home, table };
  }

  const expected = (home: string, table: string): string =>
    `The catalog of home ${home} is damaged (${table}: data block checksum mismatch at offset 0): restore the home from a copy, ` +
    `or move ${join(home, 'dynamodb')} aside to start an empty cluster and CREATE REPOSITORY again to restore from your snapshots; ` +
    'snapshots in repositories are not affected';

  it('is refused by openEmbedded with one clear error, leaving the files as they were', async () => {
    const { home, table } = await damagedHome();
    const before = digest(home);
    const err = await openEmbedded(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(expected(home, table));
    expect(digest(home)).toEqual(before);
  }, TEST_MS);

  it('includes a damaged record of the write-ahead log, but not the cut-off tail a killed process leaves', async () => {
    const home = join(await temp.make(), 'home');
    const first = await openEmbedded(home);
    await runScript(first.ctx, 'CREATE DATABASE d1; CREATE DATABASE d2');
    await first.close();
    const store = join(home, 'dynamodb');
    const log = join(store, readdirSync(store).find((n) => n.endsWith('.log'))!);
    const bytes = readFileSync(log);

    writeFileSync(log, bytes.subarray(0, bytes.length - 5));
    const cut = await openEmbedded(home);
    expect((await cut.ctx.catalog.listDatabases()).map((d) => d.name)).toEqual(['d1']);
    await cut.close();

    const home2 = join(await temp.make(), 'home');
    const second = await openEmbedded(home2);
    await runScript(second.ctx, 'CREATE DATABASE d1');
    await second.close();
    const store2 = join(home2, 'dynamodb');
    const log2 = join(store2, readdirSync(store2).find((n) => n.endsWith('.log'))!);
    const flipped = readFileSync(log2);
    flipped[20] ^= 0x01;
    writeFileSync(log2, flipped);
    const err = await openEmbedded(home2).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`The catalog of home ${home2} is damaged (${log2}: log record checksum mismatch at offset 0)`);
  }, TEST_MS);

  it('is refused by `starbackup sql` with the message, exit status 1 and no stack trace', async () => {
    const { home, table } = await damagedHome();
    const before = digest(home);
    const r = await cli(['sql', '--home', home, 'SELECT * FROM d.t']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(expected(home, table));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(digest(home)).toEqual(before);
  }, TEST_MS);
});
