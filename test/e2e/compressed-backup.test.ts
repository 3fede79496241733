import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, unseal } from '../../lib/domain/envelope.ts';
import { sha256Hex } from '../../lib/ports/object-io.ts';
import { sortedRows } from '../support/sample-database.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * Ours, beyond StarRocks (whose BACKUP cannot compress): `"compression" = "zstd" | "none"` on BACKUP and as
 * a repository's default. Blobs keep the sha256 of their uncompressed content as their name, so a blob
 * present in either form is never uploaded again, and restores and VERIFY read both forms alike.
 */
const temp = useTempDirs('compressed-backup');
let c: TestCluster;
let dir: string;
let csv: string;

const root = (repo: string) => join(dir, repo, `__starbackup_repository_${repo}`);
/** The blob files of a repository (none once its folder is gone: the file store removes empty folders). */
const blobs = (repo: string) => (existsSync(join(root(repo), '__blobs')) ? readdirSync(join(root(repo), '__blobs'), { recursive: true, withFileTypes: true }) : [])
  .filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name)).sort();
const infoOf = (repo: string, label: string, ts: string) => join(root(repo), `__ss_${label}`, `__info_${ts}`);
const readInfo = (path: string) => unseal<Record<string, unknown>>(readFileSync(path, 'utf8'), path, sha256Hex);

async function repository(name: string, props = ''): Promise<void> {
  mkdirSync(join(dir, name));
  await c.sql(`CREATE REPOSITORY ${name} WITH BROKER ON LOCATION "file://${join(dir, name)}"${props ? ` PROPERTIES (${props})` : ''}`);
}

async function restoreAndCompare(repo: string, label: string, as: string, db = 'src'): Promise<void> {
  const ts = await snapshotTimestamp(c, repo, label);
  await c.sql(`RESTORE SNAPSHOT ${label} FROM ${repo} DATABASE ${db} AS ${as} PROPERTIES ("backup_timestamp" = "${ts}")`);
  for (const t of ['t', 'big']) expect(await sortedRows(c, `${as}.${t}`)).toEqual(await sortedRows(c, `${db}.${t}`));
}

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  // ~3 MB of text in one segment: several 1 MiB chunks of the compressed format.
  csv = join(dir, 'big.csv');
  writeFileSync(csv, Array.from({ length: 60_000 }, (_, i) => `${i}\trow number ${i} of a text-ish table ${i % 97}\n`).join(''));
  await c.sql(`CREATE DATABASE src; CREATE TABLE src.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO src.t VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE TABLE src.big (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 1;
    INSERT INTO src.big SELECT * FROM FILES("path" = "file://${csv}", "format" = "csv")`);
});
afterAll(async () => c?.close());

describe('BACKUP … PROPERTIES ("compression" = "zstd")', () => {
  it('stores every blob compressed under <sha256>.zst, records it in __info, restores, and VERIFY reads it', async () => {
    await repository('z');
    await c.sql('BACKUP DATABASE src SNAPSHOT s1 TO z PROPERTIES ("compression" = "zstd")');
    const files = blobs('z');
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/\/([0-9a-f]{2})\/\1[0-9a-f]{62}\.zst$/);
    const ts = await snapshotTimestamp(c, 'z', 's1');
    expect(readInfo(infoOf('z', 's1', ts)).compression).toBe('zstd');
    const [detail] = await c.rows(`SHOW SNAPSHOT ON z WHERE SNAPSHOT = 's1' AND TIMESTAMP = '${ts}'`);
    expect(JSON.parse(detail![3]!)).toMatchObject({ database: 'src', compression: 'zstd' });
    // The large segment is stored in less than a third of its size (text compresses well).
    const bigBlob = files.map((f) => readFileSync(f).length).sort((a, b) => b - a)[0]!;
    expect(bigBlob).toBeLessThan(readFileSync(csv).length / 3);
    await restoreAndCompare('z', 's1', 'z1');
    expect(await c.rows('ADMIN VERIFY SNAPSHOT s1 ON z PROPERTIES ("read_data" = "true")')).toEqual([['s1', ts, null, null, 'OK']]);
  });

  it('a repository default applies to backups that name none, and "none" on BACKUP overrides it', async () => {
    await repository('zd', '"compression" = "ZSTD"');
    await c.sql('BACKUP DATABASE src SNAPSHOT d1 TO zd');
    expect(blobs('zd').every((f) => f.endsWith('.zst'))).toBe(true);
    await restoreAndCompare('zd', 'd1', 'zd1');
    await repository('zn', '"compression" = "zstd"');
    await c.sql('BACKUP DATABASE src SNAPSHOT n1 TO zn PROPERTIES ("compression" = "none")');
    expect(blobs('zn').some((f) => f.endsWith('.zst'))).toBe(false);
    expect(readInfo(infoOf('zn', 'n1', await snapshotTimestamp(c, 'zn', 'n1'))).compression).toBeUndefined();
  });

  it('DROP SNAPSHOT collects compressed blobs as it does plain ones', async () => {
    expect(blobs('zd').length).toBeGreaterThan(0);
    await c.sql('DROP SNAPSHOT d1 ON zd');
    expect(blobs('zd')).toEqual([]);
  });
});

describe('mixing plain and compressed snapshots in one repository', () => {
  it('a zstd backup after a plain one uploads only the new blobs; both restore; a plain one after reuses the compressed', async () => {
    await repository('m');
    await c.sql('BACKUP DATABASE src SNAPSHOT plain TO m');
    const before = blobs('m');
    expect(before.some((f) => f.endsWith('.zst'))).toBe(false);
    // The snapshot a version without compression writes: no "compression" in __info.
    expect(readInfo(infoOf('m', 'plain', await snapshotTimestamp(c, 'm', 'plain')))).not.toHaveProperty('compression');
    await c.sql(`INSERT INTO src.t VALUES (4, 'd'); BACKUP DATABASE src SNAPSHOT zipped TO m PROPERTIES ("compression" = "zstd")`);
    const added = blobs('m').filter((f) => !before.includes(f));
    // Only the new segment's blob was sent, compressed; the shared ones stay plain and were not copied.
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/\.zst$/);
    await restoreAndCompare('m', 'zipped', 'mz');
    await c.sql('DROP DATABASE mz');
    await c.sql(`INSERT INTO src.t VALUES (5, 'e'); BACKUP DATABASE src SNAPSHOT plain2 TO m`);
    const again = blobs('m').filter((f) => !before.includes(f) && !added.includes(f));
    expect(again).toHaveLength(1);
    expect(again[0]).not.toMatch(/\.zst$/);
    await restoreAndCompare('m', 'plain2', 'mp');
    const ts = await snapshotTimestamp(c, 'm', 'plain');
    await c.sql(`RESTORE SNAPSHOT plain FROM m DATABASE src AS mold PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('mold.t')).toBe(3);
    expect(await c.rows('ADMIN VERIFY SNAPSHOT zipped ON m PROPERTIES ("read_data" = "true")')).toEqual([['zipped', expect.any(String), null, null, 'OK']]);
  });

  it('a damaged plain blob that a zstd snapshot shares is named as the plain file', async () => {
    const ts = await snapshotTimestamp(c, 'm', 'zipped');
    // The oldest plain blob: written by the first, plain, snapshot, and shared by the zstd one.
    const path = blobs('m').filter((f) => !f.endsWith('.zst')).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs)[0]!;
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[0] = bad[0]! ^ 0xff;
    writeFileSync(path, bad);
    try {
      const message = await c.error(`RESTORE SNAPSHOT zipped FROM m DATABASE src AS shared PROPERTIES ("backup_timestamp" = "${ts}")`);
      expect(message).toContain(`in repository m is damaged: file://${path} is corrupt: `);
    } finally {
      writeFileSync(path, good);
    }
  });
});

describe('refusals', () => {
  it('an unknown compression value, on BACKUP or CREATE REPOSITORY, names it and the choices', async () => {
    // StarRocks' wording for its table property "compression": PropertyAnalyzer.analyzeCompressionType
    // (fe/fe-core/src/main/java/com/starrocks/common/util/PropertyAnalyzer.java), "unknown compression type: ".
    expect(await c.error('BACKUP DATABASE src SNAPSHOT bad TO z PROPERTIES ("compression" = "lz4")')).toBe("unknown compression type: lz4 (a backup's compression is zstd or none)");
    mkdirSync(join(dir, 'bad'));
    expect(await c.error(`CREATE REPOSITORY bad WITH BROKER ON LOCATION "file://${join(dir, 'bad')}" PROPERTIES ("compression" = "gzip")`))
      .toBe("unknown compression type: gzip (a backup's compression is zstd or none)");
    expect(await c.ctx.control.getRepository('bad')).toBeUndefined();
  });

  it('a tampered compressed blob fails the restore naming the file, and VERIFY with read_data reports it', async () => {
    await repository('t');
    await c.sql('BACKUP DATABASE src SNAPSHOT s TO t PROPERTIES ("compression" = "zstd")');
    const ts = await snapshotTimestamp(c, 't', 's');
    const path = blobs('t').sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[40] = bad[40]! ^ 0xff; // inside the first zstd frame
    writeFileSync(path, bad);
    const message = await c.error(`RESTORE SNAPSHOT s FROM t DATABASE src AS tampered PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(message).toContain(`[BAD_FILE, msg: Snapshot s (${ts}) in repository t is damaged: file://${path} is corrupt: `);
    const rows = await c.rows('ADMIN VERIFY SNAPSHOT s ON t PROPERTIES ("read_data" = "true")');
    expect(rows).toEqual([['s', ts, 'big.big', `file://${path}`, expect.stringMatching(/^unreadable: .*\.zst: (not a valid zstd frame|a zstd frame holds)/)]]);
    // A header declaring another size than the frames hold.
    const resized = Buffer.from(good);
    resized.writeBigUInt64BE(resized.readBigUInt64BE(8) + 1n, 8);
    writeFileSync(path, resized);
    const [row] = await c.rows('ADMIN VERIFY SNAPSHOT s ON t PROPERTIES ("read_data" = "true")');
    expect(row![4]).toMatch(/decompressed size \d+, but its header declares \d+$/);
    writeFileSync(path, good);
    expect(await c.rows('ADMIN VERIFY SNAPSHOT s ON t PROPERTIES ("read_data" = "true")')).toEqual([['s', ts, null, null, 'OK']]);
  });

  it('an __info with a forged compression value is refused as invalid', async () => {
    const ts = await snapshotTimestamp(c, 'z', 's1');
    const path = infoOf('z', 's1', ts);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, seal({ ...readInfo(path), compression: 'lz4' }, sha256Hex));
    try {
      const message = await c.error(`RESTORE SNAPSHOT s1 FROM z DATABASE src AS forged PROPERTIES ("backup_timestamp" = "${ts}")`);
      expect(message).toContain(`Snapshot s1 (${ts}) in repository z is invalid: `);
      expect(message).toContain("compression: expected one of 'none', 'zstd', got 'lz4'");
    } finally {
      writeFileSync(path, good);
    }
  });
});
