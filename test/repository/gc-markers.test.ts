import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { FileObjectStore } from '../../lib/adapters/storage/file/file-object-store.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RepositoryRecord } from '../../lib/domain/control-types.ts';
import { seal, unseal } from '../../lib/domain/envelope.ts';
import { AccessDeniedError, StorageError } from '../../lib/domain/errors.ts';
import { blobSha, layout } from '../../lib/domain/repository-layout.ts';
import type { SnapshotMeta } from '../../lib/domain/snapshot-types.ts';
import { getText, listAll, sha256Hex } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { RENEW_AFTER_MS, STALE_AFTER_MS, whileCollecting } from '../../lib/repository/gc-markers.ts';
import { seenCollections } from '../../lib/repository/seen-collections.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { instrumentStores } from '../support/instrumented-stores.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A garbage collection's marker is a lease (lib/repository/gc-markers.ts): renewed while the collection
 * deletes, and removed by a later collection once nobody renewed it for an hour, so that a collection that
 * died does not make every later backup check its blobs twice. Time is the cluster's clock, set by the test.
 */
const temp = useTempDirs('gc-markers');
let c: TestCluster;
let repo: ObjectStore;
let record: RepositoryRecord;
const NOW = Date.parse('2030-01-01T12:00:00.000Z');
let t = NOW;
const iso = (ms: number) => new Date(ms).toISOString();
const marker = (id: string) => layout.gcMarker('r', id);
const markers = async () => (await listAll(repo, layout.gcMarkersPrefix('r'))).map((k) => k.split('/').pop()).sort();

const instrument = () => instrumentStores(c);

async function addGarbage(tag: string, n: number): Promise<string[]> {
  const shas: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = `${tag} ${i}`;
    shas.push(sha256Hex(body));
    await repo.put(layout.blob('r', sha256Hex(body)), body);
  }
  return shas;
}

const blobShas = async () => new Set((await listAll(repo, layout.blobsPrefix('r'))).map((k) => blobSha(k)!));

beforeAll(async () => {
  const dir = await temp.make();
  const repoDir = join(dir, 'repo');
  mkdirSync(repoDir, { recursive: true });
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE d SNAPSHOT s1 TO r`);
  record = await c.ctx.control.requireRepository('r');
  repo = await openRepository(c.ctx, record);
  c.ctx.clock = { now: () => t };
}, 120_000);
beforeEach(() => { t = NOW; });
afterAll(async () => { await c?.close(); });

describe('garbage collection markers', () => {
  it('a collection removes the markers of collections that died, and keeps those still renewed', async () => {
    const put = (id: string, body: string) => repo.put(marker(id), body);
    await put('dead', JSON.stringify({ started: iso(NOW - 3 * 3600_000), renewed: iso(NOW - STALE_AFTER_MS - 1) }));
    await put('old-release', JSON.stringify({ started: iso(NOW - 2 * STALE_AFTER_MS) }));
    await put('live', JSON.stringify({ started: iso(NOW - 3 * 3600_000), renewed: iso(NOW - 30 * 60_000) }));
    await put('clock-ahead', JSON.stringify({ started: iso(NOW + 10 * 60_000), renewed: iso(NOW + 10 * 60_000) }));
    await put('far-future', JSON.stringify({ started: iso(NOW), renewed: iso(NOW + STALE_AFTER_MS + 1) }));
    await put('not-json', '{"started": ');
    await put('no-date', JSON.stringify({ renewed: 'yesterday' }));
    await put('too-large', JSON.stringify({ started: iso(NOW), pad: 'x'.repeat(2048) }));
    await put('unreadable', JSON.stringify({ started: iso(NOW - 2 * STALE_AFTER_MS) }));
    const { hooks } = instrument();
    hooks.get = (key) => {
      if (key === marker('unreadable')) throw new StorageError(`${key}: connection reset`, false);
    };
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['0']]);
    // What could not be read may be a live collection's: it stays, and so does the collection's own outcome.
    expect(await markers()).toEqual(['clock-ahead', 'live', 'unreadable']);
    expect(await seenCollections(repo, record)).toHaveLength(3);
    hooks.get = undefined;
    t = NOW + STALE_AFTER_MS;
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['0']]);
    // An hour on, the live one was not renewed: its collection died too.
    expect(await markers()).toEqual(['clock-ahead']);
    t = NOW + STALE_AFTER_MS + 10 * 60_000 + 1;
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['0']]);
    expect(await markers()).toEqual([]);
    // No marker left: the next backup checks its blobs once, as when no collection ever ran.
    expect(await seenCollections(repo, record)).toEqual([]);
  }, 120_000);

  it('a symlink planted among the markers is not a marker: backups do not see it, and a collection leaves what it leads to alone', async () => {
    const root = await temp.make();
    const denied = await temp.make();
    writeFileSync(join(denied, 'passwd'), 'root:x:0:0');
    const store = new FileObjectStore(root, (real) => {
      if (real === denied || real.startsWith(`${denied}/`)) throw new AccessDeniedError(`A repository may not reach ${real}`);
    });
    mkdirSync(dirname(join(root, marker('link'))), { recursive: true });
    symlinkSync(join(denied, 'passwd'), join(root, marker('link')));
    // A file store lists files, never links: the link neither makes backups check their blobs again nor is read.
    expect(await seenCollections(store, record)).toEqual([]);
    await whileCollecting(store, record, { now: () => NOW }, async () => undefined);
    expect(lstatSync(join(root, marker('link'))).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(denied, 'passwd'), 'utf8')).toBe('root:x:0:0');
    expect(await seenCollections(store, record)).toEqual([]);
  });

  it('a collection paused past its renewal renews its marker and reads the __meta written meanwhile before it deletes more', async () => {
    const garbage = await addGarbage('paused', 40); // deleted 16 at a time
    const [metaKey] = (await listAll(repo, layout.snapshotsPrefix('r'))).filter((k) => k.includes('/__meta_'));
    const meta = unseal<SnapshotMeta>(await getText(repo, metaKey!), metaKey!, sha256Hex);
    meta.tables[0]!.partitions[0]!.tablets[0]!.segments = garbage.map((sha) => ({ sha256: sha, size: 10, rows: 1 }));
    const lateKey = layout.meta('r', 'late', '2030-01-01-13-00-00-000');
    const { puts, hooks } = instrument();
    // The pause: past the renewal, and long enough for another collection to have found the marker stale;
    // meanwhile a backup, seeing no marker, wrote a `__meta` naming every garbage blob.
    hooks.delete = async () => {
      hooks.delete = undefined;
      t = NOW + STALE_AFTER_MS + 1;
      await repo.delete(puts[0]!.key);
      await repo.put(lateKey, seal(meta, sha256Hex));
    };
    // The first 16 were decided on before that `__meta` existed (SAVE_META of that backup uploads them
    // again: it saw no marker because ours was gone, test/jobs/backup/save-meta-recheck.test.ts covers
    // the upload); nothing after them goes.
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['16']]);
    const left = await blobShas();
    expect(garbage.filter((sha) => left.has(sha))).toHaveLength(24);
    expect(puts.map((p) => p.key)).toEqual([puts[0]!.key, puts[0]!.key]);
    expect(puts.map((p) => JSON.parse(p.body))).toEqual([
      { started: iso(NOW), renewed: iso(NOW) },
      { started: iso(NOW), renewed: iso(NOW + STALE_AFTER_MS + 1) },
    ]);
    expect(await markers()).toEqual([]);
    await repo.delete(lateKey);
  }, 120_000);

  it('a collection that is not paused writes its marker once and deletes everything unreferenced', async () => {
    await c.rows('ADMIN CLEAN REPOSITORY r'); // what the test before left
    const garbage = await addGarbage('steady', 40);
    const { puts, hooks } = instrument();
    // Time passes, never a renewal's worth.
    hooks.delete = async () => { t += Math.floor(RENEW_AFTER_MS / 100); };
    expect(await c.rows('ADMIN CLEAN REPOSITORY r')).toEqual([['40']]);
    const left = await blobShas();
    expect(garbage.some((sha) => left.has(sha))).toBe(false);
    expect(puts).toHaveLength(1);
  }, 120_000);
});
