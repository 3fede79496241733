import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, sealPieces, unseal } from '../../lib/domain/envelope.ts';
import { sha256Hex } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * Metadata files are written with the checksum after the body, `{"body": …, "sha256": …}`, in one pass.
 * Snapshots written before led with it, `{"sha256": …, "body": …}`; they must stay readable, whole and checked.
 */
const oldSeal = (body: unknown) => {
  const text = JSON.stringify(body);
  return `{"sha256":"${sha256Hex(text)}","body":${text}}`;
};

async function text(pieces: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const p of pieces) out += p;
  return out;
}

async function* piecesOf(...xs: string[]): AsyncGenerator<string> {
  yield* xs;
}

describe('the checksum envelope', () => {
  const body = { database: 'd "ü"', tables: [{ n: 1 }, { n: 2 }], views: [] };

  it('is written body first, checksum last, by seal and by the one-pass streaming writer alike', async () => {
    const sealed = seal(body, sha256Hex);
    expect(sealed).toBe(`{"body":${JSON.stringify(body)},"sha256":"${sha256Hex(JSON.stringify(body))}"}`);
    const streamed = await text(sealPieces(piecesOf('{"database":"d \\"ü\\"","tables":[', '{"n":1}', ',{"n":2}', '],"views":[]}'), createHash('sha256')));
    expect(streamed).toBe(sealed);
  });

  it('reads both layouts: an old file, byte for byte as it was written, and a new one', () => {
    const old = '{"sha256":"015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862","body":{"a":1}}';
    expect(unseal(old, 'f', sha256Hex)).toEqual({ a: 1 });
    expect(unseal(oldSeal(body), 'f', sha256Hex)).toEqual(body);
    expect(unseal(seal(body, sha256Hex), 'f', sha256Hex)).toEqual(body);
  });

  it('refuses a damaged file of either layout with the same messages', () => {
    for (const make of [oldSeal, (b: unknown) => seal(b, sha256Hex)]) {
      const good = make(body);
      const tampered = good.replace('"n":2', '"n":3');
      const want = sha256Hex(JSON.stringify(body));
      expect(() => unseal(tampered, 'file x', sha256Hex)).toThrow(`file x is corrupt: sha256 ${sha256Hex(JSON.stringify({ ...body, tables: [{ n: 1 }, { n: 3 }] }))}, expected ${want}`);
      expect(() => unseal(good.slice(0, 30), 'file x', sha256Hex)).toThrow('file x is corrupt: not valid JSON');
      expect(() => unseal(good.replace('"sha256"', '"sha"'), 'file x', sha256Hex)).toThrow('file x is corrupt: no checksum envelope');
    }
  });
});

describe('a repository holding snapshots of both layouts', () => {
  const temp = useTempDirs('layouts');
  let c: TestCluster;
  let root: string;
  let ts = '';
  const file = (label: string, kind: 'info' | 'meta' | 'refs', stamp: string) => join(root, `__ss_${label}`, `__${kind}_${stamp}`);

  beforeAll(async () => {
    const dir = await temp.make();
    const repoDir = join(dir, 'repo');
    mkdirSync(repoDir);
    root = join(repoDir, '__starbackup_repository_r');
    c = await openTestCluster(dir);
    await c.sql(`CREATE DATABASE src; USE src;
      CREATE TABLE t (k INT NOT NULL, v VARCHAR(8)) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 2;
      INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
      CREATE VIEW vw AS SELECT v FROM t;
      CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}";
      BACKUP DATABASE src SNAPSHOT old_one TO r`);
    ts = await snapshotTimestamp(c, 'r', 'old_one');
    // Rewritten as the writer before the one-pass envelope wrote it: checksum first, `__info` recording that `__meta`.
    const meta = JSON.parse(readFileSync(file('old_one', 'meta', ts), 'utf8')).body;
    const info = JSON.parse(readFileSync(file('old_one', 'info', ts), 'utf8')).body;
    const metaText = oldSeal(meta);
    info.meta = { sha256: sha256Hex(metaText), size: Buffer.byteLength(metaText) };
    writeFileSync(file('old_one', 'meta', ts), metaText);
    writeFileSync(file('old_one', 'info', ts), oldSeal(info));
    // That writer wrote no blob index either (garbage collection then reads `__meta`, the layout under test).
    rmSync(file('old_one', 'refs', ts));
  });
  afterAll(async () => c?.close());

  it('writes a new snapshot with the checksum after the body, `__info` recording the file as written', async () => {
    await c.sql('INSERT INTO src.t VALUES (4, \'d\'); BACKUP DATABASE src SNAPSHOT new_one TO r');
    const stamp = await snapshotTimestamp(c, 'r', 'new_one');
    const meta = readFileSync(file('new_one', 'meta', stamp), 'utf8');
    const info = readFileSync(file('new_one', 'info', stamp), 'utf8');
    for (const f of [meta, info]) expect(f).toMatch(/^\{"body":\{.*\},"sha256":"[0-9a-f]{64}"\}$/s);
    expect(JSON.parse(info).body.meta).toEqual({ sha256: sha256Hex(meta), size: Buffer.byteLength(meta) });
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT new_one ON r PROPERTIES ("read_data" = "true")`)).toEqual([['new_one', stamp, null, null, 'OK']]);
  });

  it('shows, verifies and restores the old-layout snapshot', async () => {
    expect(readFileSync(file('old_one', 'meta', ts), 'utf8').startsWith('{"sha256":')).toBe(true);
    const shown = await c.rows(`SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'old_one' AND TIMESTAMP = '${ts}'`);
    expect(shown[0]!.slice(0, 3)).toEqual(['old_one', ts, 'src']);
    expect(shown[0]![4]).toBe('OK');
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT old_one ON r PROPERTIES ("read_data" = "true")`)).toEqual([['old_one', ts, null, null, 'OK']]);
    await c.sql(`RESTORE SNAPSHOT old_one FROM r DATABASE src AS dst PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('dst.t')).toBe(3);
    expect(await c.rows('SELECT * FROM dst.vw')).toHaveLength(3);
  });

  it('dropping a new snapshot keeps every blob the old-layout one names (garbage collection reads the old layout)', async () => {
    await c.sql('DROP SNAPSHOT new_one ON r');
    expect(readdirSync(root).sort()).toEqual(['__blobs', '__repo_info', '__ss_old_one']);
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT old_one ON r PROPERTIES ("read_data" = "true")`)).toEqual([['old_one', ts, null, null, 'OK']]);
  });

  it('refuses a damaged old-layout `__meta` with the message it always had', async () => {
    const path = file('old_one', 'meta', ts);
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.replace('"src"', '"srx"'));
    try {
      const rows = await c.rows(`ADMIN VERIFY SNAPSHOT old_one ON r`);
      expect(rows[0]![4]).toMatch(/^file file:\/\/.*__meta_.* is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}$/);
      expect(await c.error(`RESTORE SNAPSHOT old_one FROM r DATABASE src AS dst2 PROPERTIES ("backup_timestamp" = "${ts}")`))
        .toMatch(/Snapshot old_one is damaged: file:\/\/.*__meta_.* has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
    } finally {
      writeFileSync(path, good);
    }
  });
});
