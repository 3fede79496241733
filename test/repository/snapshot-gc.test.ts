import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, unseal } from '../../lib/domain/envelope.ts';
import { blobSha, layout } from '../../lib/domain/repository-layout.ts';
import type { SnapshotMeta } from '../../lib/domain/snapshot-types.ts';
import { getText, listAll, sha256Hex } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * DROP SNAPSHOT's garbage collection reads each remaining `__meta` once, however many batches of deletions
 * it makes, and still honours a `__meta` that appears while it runs (a backup that started meanwhile).
 * The repository is a real file:// store; the counts come from a wrapper around the stores the statements
 * open, as the cluster opens them.
 */
const temp = useTempDirs('snapshot-gc');
let c: TestCluster;
let repo: ObjectStore;
const GARBAGE = 1_200; // three batches of 500

/** Every store the statements open from now on counts its `get`s by key; `onDelete` runs before each blob's delete. */
function instrument(): { gets: Map<string, number>; sizedBlobLists: string[]; onDelete: { hook?: () => Promise<void> } } {
  const gets = new Map<string, number>();
  const sizedBlobLists: string[] = [];
  const onDelete: { hook?: () => Promise<void> } = {};
  const open = c.ctx.openLocation;
  c.ctx.openLocation = (...args) => {
    const store = open(...args);
    return {
      description: store.description,
      put: (k, b, o) => store.put(k, b, o),
      head: (k) => store.head(k),
      list: (p, o) => {
        if (p.includes('__blobs/') && o?.sizes !== false) sizedBlobLists.push(p);
        return store.list(p, o);
      },
      get: (k, r) => ((gets.set(k, (gets.get(k) ?? 0) + 1)), store.get(k, r)),
      delete: async (k) => { if (blobSha(k)) await onDelete.hook?.(); return store.delete(k); },
    };
  };
  return { gets, sizedBlobLists, onDelete };
}

async function addGarbage(tag: string): Promise<string[]> {
  const shas: string[] = [];
  for (let i = 0; i < GARBAGE; i++) {
    const body = `${tag} ${i}`;
    const sha = sha256Hex(body);
    await repo.put(layout.blob('r', sha), body);
    shas.push(sha);
  }
  return shas;
}

const blobShas = async () => new Set((await listAll(repo, layout.blobsPrefix('r'))).map((k) => blobSha(k)!));
const metaKeys = async () => (await listAll(repo, layout.snapshotsPrefix('r'))).filter((k) => k.split('/').pop()!.startsWith('__meta_'));

beforeAll(async () => {
  const dir = await temp.make();
  const repoDir = join(dir, 'repo');
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}";
    BACKUP DATABASE d SNAPSHOT s1 TO r; INSERT INTO d.t VALUES (3); BACKUP DATABASE d SNAPSHOT s2 TO r;
    INSERT INTO d.t VALUES (4); BACKUP DATABASE d SNAPSHOT s3 TO r; INSERT INTO d.t VALUES (5); BACKUP DATABASE d SNAPSHOT s4 TO r`);
  repo = await openRepository(c.ctx, (await c.ctx.control.requireRepository('r'))!);
}, 120_000);
afterAll(async () => { await c?.close(); });

describe('DROP SNAPSHOT garbage collection', () => {
  it('reads each remaining __meta once over several batches, and deletes exactly the unreferenced blobs', async () => {
    const garbage = await addGarbage('garbage');
    const needed = await blobShas();
    const { gets, sizedBlobLists } = instrument();
    await c.sql('DROP SNAPSHOT s1 ON r');
    // The blobs are listed by key only, through every wrapper of the repository's store: a file:// listing
    // then stats no blob.
    expect(sizedBlobLists).toEqual([]);
    const metas = await metaKeys();
    expect(metas).toHaveLength(3);
    // Each remaining snapshot's references, read once for the whole drop (before: once per batch of 500),
    // from its `__refs` (sorted hashes), which its `__info` vouches for: the `__meta` itself is not read.
    for (const key of metas) {
      expect(gets.get(key.replace('/__meta_', '/__refs_'))).toBe(1);
      expect(gets.get(key)).toBeUndefined();
    }
    const left = await blobShas();
    for (const sha of garbage) expect(left.has(sha)).toBe(false);
    // s1's blobs are all in s2 too (s2 has s1's rows and one more): nothing that was needed went.
    for (const sha of needed) if (!garbage.includes(sha)) expect(left.has(sha)).toBe(true);
    for (const s of ['s2', 's3', 's4']) expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${s} ON r`)).not.toContainEqual(expect.arrayContaining(['BAD_FILE']));
  }, 120_000);

  it('keeps the blobs a __meta written during the collection names, from the next batch on', async () => {
    const garbage = await addGarbage('late');
    const { onDelete } = instrument();
    const s2 = (await metaKeys()).find((k) => k.includes('/__ss_s2/'))!;
    const body = unseal<SnapshotMeta>(await getText(repo, s2), s2, sha256Hex);
    // A backup that starts while the collection runs: its __meta names every garbage blob.
    body.tables[0]!.partitions[0]!.tablets[0]!.segments = garbage.map((sha) => ({ sha256: sha, size: 10, rows: 1 }));
    const lateKey = layout.meta('r', 'late', '2030-01-01-00-00-00-000');
    onDelete.hook = async () => {
      onDelete.hook = undefined;
      await repo.put(lateKey, seal(body, sha256Hex));
    };
    await c.sql('DROP SNAPSHOT s2 ON r');
    const left = await blobShas();
    const survivors = garbage.filter((sha) => left.has(sha));
    // The first batch was decided before the late __meta existed (SAVE_META of that backup uploads what it
    // lost again: test/jobs/backup/save-meta-recheck.test.ts); every later batch saw it.
    expect(survivors.length).toBeGreaterThanOrEqual(GARBAGE - 500);
    expect(survivors.length).toBeLessThan(GARBAGE);
    await repo.delete(lateKey);
  }, 120_000);

  it('ADMIN CLEAN REPOSITORY collects what a killed backup uploaded, and keeps what a snapshot names', async () => {
    // The previous test's late backup went away without a snapshot: its blobs are collected too.
    expect(Number((await c.rows('ADMIN CLEAN REPOSITORY r'))[0]![0])).toBeGreaterThan(0);
    // What a backup killed in UPLOADING leaves once rolled back: blobs, and no __meta naming them.
    const left = await addGarbage('killed');
    const needed = [...await blobShas()].filter((sha) => !left.includes(sha));
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([[String(GARBAGE)]]);
    const now = await blobShas();
    expect(needed.every((sha) => now.has(sha))).toBe(true);
    expect(left.some((sha) => now.has(sha))).toBe(false);
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['0']]);
    expect(await c.error('ADMIN CLEAN REPOSITORY nope')).toBe('Repository nope does not exist');
    expect(await c.error('ADMIN CLEAN REPOSITORY r r')).toMatch(/^Getting syntax error/);
  }, 120_000);

  it('stops reading __meta files once every blob of the dropped snapshot is accounted for', async () => {
    // Eight copies of s4 under other labels: a drop of one frees nothing, and any other names all it has.
    const [metaKey] = (await metaKeys()).filter((k) => k.includes('/__ss_s4/'));
    const infoKey = metaKey!.replace('/__meta_', '/__info_');
    const ts = infoKey.split('/__info_').pop()!;
    const info = unseal<{ name: string }>(await getText(repo, infoKey), infoKey, sha256Hex);
    const copies = Array.from({ length: 8 }, (_, i) => `c${i}`);
    for (const label of copies) {
      await repo.put(layout.meta('r', label, ts), await getText(repo, metaKey!));
      await repo.put(layout.info('r', label, ts), seal({ ...info, name: label }, sha256Hex));
    }
    const before = await blobShas();
    const { gets } = instrument();
    await c.sql('DROP SNAPSHOT c0 ON r');
    const remaining = await metaKeys();
    const read = remaining.filter((k) => gets.has(k));
    expect(remaining).toHaveLength(9);
    expect(read.length).toBeLessThan(remaining.length);
    expect(await blobShas()).toEqual(before);
    for (const label of copies.slice(1)) {
      await repo.delete(layout.info('r', label, ts));
      await repo.delete(layout.meta('r', label, ts));
    }
  }, 120_000);

  it('announces itself in the repository while it runs, and clears that when it ends, done or failed', async () => {
    const markers = () => listAll(repo, layout.gcMarkersPrefix('r'));
    const during: unknown[] = [];
    const { onDelete } = instrument();
    await addGarbage('announced');
    onDelete.hook = async () => {
      onDelete.hook = undefined;
      for (const key of await markers()) during.push(JSON.parse(await getText(repo, key)));
    };
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([[String(GARBAGE)]]);
    expect(during).toEqual([{ started: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), renewed: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }]);
    expect(await markers()).toEqual([]);
    await addGarbage('failed');
    onDelete.hook = async () => { throw new Error('disk on fire'); };
    expect(await c.error('ADMIN CLEAN REPOSITORY r')).toContain('disk on fire');
    onDelete.hook = undefined;
    expect(await markers()).toEqual([]);
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([[String(GARBAGE)]]);
  }, 120_000);

  it('collects nothing when a __meta cannot be read', async () => {
    const garbage = await addGarbage('unreadable');
    await repo.put(layout.meta('r', 'broken', '2030-01-01-00-00-00-000'), '{not json');
    await c.sql('DROP SNAPSHOT s3 ON r');
    const left = await blobShas();
    for (const sha of garbage) expect(left.has(sha)).toBe(true);
    expect((await c.rows('SHOW SNAPSHOT ON r')).map((r) => r[0])).toEqual(['broken', 's4']);
  }, 120_000);
});
