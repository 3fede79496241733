import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../lib/domain/envelope.ts';
import { decodeRefs, encodeRefs } from '../../lib/domain/snapshot-refs.ts';
import type { SnapshotInfo } from '../../lib/domain/snapshot-types.ts';
import { listAll, sha256Hex } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * Every blob and metadata file is verified when read. A damaged snapshot fails a restore with an error that
 * names the snapshot and the file, before anything is visible; ADMIN VERIFY SNAPSHOT finds the damage.
 */
const temp = useTempDirs('integrity');
let c: TestCluster;
let repoDir: string;
let root: string;
let ts = '';

const blobFiles = () => readdirSync(join(root, '__blobs'), { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)).sort();
const blobUrl = (path: string) => `file://${path}`;
const verify = (props = '') => c.rows(`ADMIN VERIFY SNAPSHOT base ON r${props ? ` PROPERTIES (${props})` : ''}`);
const restoreSql = (db: string) => `RESTORE SNAPSHOT base FROM r DATABASE src AS ${db} PROPERTIES ("backup_timestamp" = "${ts}")`;

/** Restores into a database whose table t exists; the restore must fail and leave it exactly as it was. */
async function failedRestore(db: string): Promise<string> {
  await c.sql(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO ${db}.t VALUES (9, 'z')`);
  const before = (await c.ctx.catalog.requireTable(db, 't')).doc;
  const message = await c.error(restoreSql(db));
  expect((await c.ctx.catalog.requireTable(db, 't')).doc).toEqual(before);
  expect(await c.ctx.catalog.getTable(db, 'u')).toBeUndefined();
  expect(await c.ctx.control.getLock(db)).toBeUndefined();
  const [row] = await c.rows(`SHOW RESTORE FROM ${db}`);
  expect((await listAll(c.ctx.data, 'data/')).filter((k) => k.includes(`r-${row![0]}`))).toEqual([]);
  return message;
}

beforeAll(async () => {
  const dir = await temp.make();
  repoDir = join(dir, 'repo');
  root = join(repoDir, '__starbackup_repository_r');
  mkdirSync(repoDir); // a file:// repository's folder must exist, as a mount point would
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE src; CREATE TABLE src.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO src.t VALUES (1, 'a'), (2, 'b'), (3, 'c'); CREATE TABLE src.u (k INT); INSERT INTO src.u VALUES (1);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE src SNAPSHOT base TO r`);
  ts = await snapshotTimestamp(c, 'r', 'base');
});
afterAll(async () => c?.close());

describe('a damaged blob', () => {
  it('corrupted (same size): the restore fails naming the snapshot and the file; VERIFY with read_data finds it', async () => {
    expect(await verify('"read_data" = "true"')).toEqual([['base', ts, null, null, 'OK']]);
    const path = blobFiles()[0]!;
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[0] = bad[0]! ^ 0xff;
    writeFileSync(path, bad);
    try {
      const message = await failedRestore('corrupt');
      expect(message).toContain(`ended CANCELLED: [BAD_FILE, msg: Snapshot base (${ts}) in repository r is damaged: ${blobUrl(path)} is corrupt: `);
      expect(await verify()).toEqual([['base', ts, null, null, 'OK']]); // sizes alone cannot tell
      const rows = await verify(`"backup_timestamp" = "${ts}", "read_data" = "true"`);
      expect(rows).toEqual([['base', ts, expect.stringMatching(/^t\.t$|^u\.u$/), blobUrl(path), `sha256 ${sha256Hex(bad)}, expected ${sha256Hex(good)}`]]);
    } finally {
      writeFileSync(path, good);
    }
  });

  it('missing: the restore fails naming the file; VERIFY reports it missing', async () => {
    const path = blobFiles()[1]!;
    const good = readFileSync(path);
    rmSync(path);
    try {
      expect(await failedRestore('missing')).toContain(`[BAD_FILE, msg: Snapshot base (${ts}) in repository r is damaged: ${blobUrl(path)} is missing]`);
      expect(await verify()).toEqual([['base', ts, expect.any(String), blobUrl(path), 'missing']]);
    } finally {
      writeFileSync(path, good);
    }
    expect(await verify('"read_data" = "true"')).toEqual([['base', ts, null, null, 'OK']]);
  });

  it('a corrupted local segment fails the backup, and no snapshot appears', async () => {
    await c.sql("CREATE DATABASE seg; CREATE TABLE seg.t (k INT); INSERT INTO seg.t VALUES (42)");
    const key = (await listAll(c.ctx.data, `data/${(await c.ctx.catalog.requireTable('seg', 't')).doc.def.id}/`))[0]!;
    writeFileSync(join(c.home, 'data', key), '[43]\n');
    expect(await c.error('BACKUP DATABASE seg SNAPSHOT seg TO r')).toMatch(/ended CANCELLED: \[BAD_FILE, msg: sha256 mismatch writing .*__blobs/);
    expect(await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'seg'")).toEqual([['seg', null, 'ERROR: no snapshot', null, null, null, null]]);
  });
});

describe('damaged metadata', () => {
  const info = () => join(root, '__ss_base', `__info_${ts}`);
  const meta = () => join(root, '__ss_base', `__meta_${ts}`);

  it('a corrupt __meta fails the restore and is reported', async () => {
    const good = readFileSync(meta(), 'utf8');
    writeFileSync(meta(), good.replace('"src"', '"srx"'));
    try {
      expect(await failedRestore('badmeta')).toContain(`Snapshot base is damaged: file://${meta()} has sha256 `);
      const rows = await verify();
      expect(rows.map((r) => [r[3], r[4]])).toEqual([
        [`file://${meta()}`, expect.stringMatching(/ is corrupt: sha256 /)],
        [`file://${meta()}`, expect.stringMatching(/^sha256 [0-9a-f]{64} and size \d+, but __info records /)],
      ]);
    } finally {
      writeFileSync(meta(), good);
    }
  });

  it('an __info that disagrees with __meta is reported object by object', async () => {
    const good = readFileSync(info(), 'utf8');
    const body = JSON.parse(good).body as SnapshotInfo;
    body.backup_objects.t!.partitions.t!.rows = 99;
    writeFileSync(info(), seal(body, sha256Hex));
    try {
      expect(await verify()).toEqual([['base', ts, 't.t', `file://${meta()}`, 'the partition summary is {"version":2,"rows":3,"bytes":30,"files":2} in __meta but {"version":2,"rows":99,"bytes":30,"files":2} in __info']]);
    } finally {
      writeFileSync(info(), good);
    }
  });

  it('a missing or corrupt __info: listed with an error status, never OK, and reported by VERIFY', async () => {
    const good = readFileSync(info(), 'utf8');
    writeFileSync(info(), good.slice(0, 40));
    try {
      expect((await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'base'"))[0]![2]).toMatch(/^ERROR: Failed to get info: .* is corrupt: not valid JSON/);
      expect(await verify()).toEqual([['base', ts, null, `file://${info()}`, `file file://${info()} is corrupt: not valid JSON`]]);
      rmSync(info());
      expect((await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'base'"))[0]![2]).toBe('ERROR: no snapshot');
      expect(await verify()).toEqual([['base', ts, null, `file://${info()}`, 'missing: the snapshot was never committed (a backup that did not finish, or one still running)']]);
    } finally {
      writeFileSync(info(), good);
    }
  });

  it('checks the blob index garbage collection trusts (__refs) against __meta; a snapshot without one is sound', async () => {
    const refs = join(root, '__ss_base', `__refs_${ts}`);
    const good = readFileSync(refs);
    const decoded = decodeRefs(good, refs, sha256Hex);
    const hashes = Array.from({ length: decoded.count }, (_, i) => decoded.hashes.toString('hex', i * 32, (i + 1) * 32));
    const metaSha = decoded.metaSha256;
    const file = `file://${refs}`;
    const fake = 'f'.repeat(64);
    const findings = async (bytes: Buffer) => {
      writeFileSync(refs, bytes);
      return (await verify()).map((r) => [r[3], r[4]]);
    };
    try {
      expect(await verify()).toEqual([['base', ts, null, null, 'OK']]);
      // Self-consistent, vouched for by __info, but one blob swapped: what a DROP SNAPSHOT would trust.
      expect(await findings(encodeRefs([...hashes.slice(1), fake], metaSha, sha256Hex))).toEqual([
        [file, `lacks 1 blob (${hashes[0]}) that __meta names: garbage collection trusts this file and could delete it; delete the file, and garbage collection reads __meta`],
        [file, `names 1 blob (${fake}) that __meta does not, kept while this snapshot exists; delete the file, and garbage collection reads __meta`],
      ]);
      expect(hashes.length).toBeGreaterThan(1);
      expect(await findings(encodeRefs([...hashes.slice(2), fake, 'e'.repeat(64)], metaSha, sha256Hex))).toEqual([
        [file, `lacks 2 blobs (${hashes.slice(0, 2).join(', ')}) that __meta names: garbage collection trusts this file and could delete them; delete the file, and garbage collection reads __meta`],
        [file, `names 2 blobs (${'e'.repeat(64)}, ${fake}) that __meta does not, kept while this snapshot exists; delete the file, and garbage collection reads __meta`],
      ]);
      expect(await findings(encodeRefs(hashes, 'a'.repeat(64), sha256Hex))).toEqual([
        [file, `made from another __meta (sha256 ${'a'.repeat(64)}, __info records ${metaSha}); garbage collection reads __meta instead`],
      ]);
      const flipped = Buffer.from(good);
      flipped[flipped.length - 1]! ^= 1;
      expect(await findings(flipped)).toEqual([[file, expect.stringMatching(/^corrupt: checksum mismatch: expected [0-9a-f]{64}, actual [0-9a-f]{64}; garbage collection reads __meta instead$/)]]);
      expect(await findings(good.subarray(0, good.length - 1))).toEqual([
        [file, `size ${good.length - 1}, expected ${good.length} for the ${hashes.length} blobs __info records; garbage collection reads __meta instead`],
      ]);
      rmSync(refs);
      expect(await verify()).toEqual([['base', ts, null, null, 'OK']]);
    } finally {
      writeFileSync(refs, good);
    }
  });

  it('verifies every timestamp of the label unless one is given', async () => {
    const other = '2020-01-01-00-00-00-000';
    writeFileSync(join(root, '__ss_base', `__info_${other}`), readFileSync(info()));
    writeFileSync(join(root, '__ss_base', `__meta_${other}`), readFileSync(meta()));
    try {
      expect(await verify()).toEqual([
        ['base', other, null, `file://${join(root, '__ss_base', `__info_${other}`)}`, `describes snapshot base at ${ts}`],
        ['base', ts, null, null, 'OK'],
      ]);
      expect(await verify(`"backup_timestamp" = "${ts}"`)).toEqual([['base', ts, null, null, 'OK']]);
    } finally {
      rmSync(join(root, '__ss_base', `__info_${other}`));
      rmSync(join(root, '__ss_base', `__meta_${other}`));
    }
  });
});

describe('ADMIN VERIFY SNAPSHOT errors', () => {
  it('names the bad property, snapshot, timestamp or repository', async () => {
    expect(await c.error('ADMIN VERIFY SNAPSHOT base ON r PROPERTIES ("colour" = "red")')).toBe('Unknown verify snapshot properties: [colour]');
    expect(await c.error('ADMIN VERIFY SNAPSHOT base ON r PROPERTIES ("read_data" = "yes")')).toBe('Invalid read_data value: yes. It must be true or false');
    expect(await c.error('ADMIN VERIFY SNAPSHOT nope ON r')).toBe('Snapshot does not exist in repository r: nope');
    expect(await c.error('ADMIN VERIFY SNAPSHOT base ON r PROPERTIES ("backup_timestamp" = "2001-01-01-00-00-00-000")')).toBe(`Snapshot base in repository r has no timestamp 2001-01-01-00-00-00-000; it has ${ts}`);
    expect(await c.error('ADMIN VERIFY SNAPSHOT base ON nope')).toBe('Repository nope does not exist');
    expect(await c.error('ADMIN VERIFY SNAPSHOT `a/b` ON r')).toBe("Incorrect snapshot name 'a/b': it must not contain '/', '\\', '#', '..' or control characters");
  });
});
