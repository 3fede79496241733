import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { type StorageLogEntry, setStorageLog } from '../../../lib/adapters/storage/storage-log.ts';
import { layout } from '../../../lib/domain/repository-layout.ts';
import { listAll } from '../../../lib/ports/object-io.ts';
import { LOOKUP_LIMIT } from '../../../lib/jobs/backup/missing-blobs.ts';
import type { HandlerWrapper } from '../../../bin/task-bindings.ts';
import { createSampleDatabase, sortedRows } from '../../support/sample-database.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../../support/test-cluster.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('save-meta');
afterEach(() => setStorageLog());

/** A cluster with the sample database, `loads` more inserts, and snapshot s1 in file:// repository r. */
async function backedUp(loads: number, wrapHandlers?: HandlerWrapper): Promise<{ c: TestCluster; repoStore: FileObjectStore }> {
  const dir = await temp.make();
  const repoDir = join(dir, 'repo');
  const c = await openTestCluster(dir, { wrapHandlers });
  await createSampleDatabase(c);
  for (let i = 0; i < loads; i++) {
    await c.sql(`INSERT INTO sr_hub.sr_member VALUES (${100 + i}, 'a', '2024-01-05'), (${200 + i}, 'b', '2024-01-06'), (${300 + i}, 'c', '2024-02-05'), (${400 + i}, 'd', '2024-02-06')`);
  }
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE sr_hub SNAPSHOT s1 TO r`);
  return { c, repoStore: new FileObjectStore(repoDir) };
}

/** s2 is whole: every blob there, and its rows restore as backed up. */
async function expectWhole(c: TestCluster): Promise<void> {
  expect(await c.rows(`ADMIN VERIFY SNAPSHOT s2 ON r`)).not.toContainEqual(expect.arrayContaining(['BAD_FILE']));
  const ts = await snapshotTimestamp(c, 'r', 's2');
  await c.sql(`RESTORE SNAPSHOT s2 FROM r DATABASE sr_hub AS copy PROPERTIES ("backup_timestamp" = "${ts}")`);
  expect(await sortedRows(c, 'copy.sr_member')).toEqual(await sortedRows(c, 'sr_hub.sr_member'));
}

/**
 * A garbage collection can decide a blob is unused just before a backup's `__meta` names it, and delete it
 * after UPLOAD_SNAPSHOT found it present. Such a collection announces itself in the repository while it
 * runs (lib/repository/gc-markers.ts): UPLOAD_SNAPSHOT sees it, and SAVE_META checks again and uploads the
 * blob back, whether it looks blobs up one by one (few) or lists the repository (many). A job planned
 * before UPLOAD_SNAPSHOT recorded what it saw checks again too.
 */
describe.each([
  ['a few segments (lookups)', 0],
  ['more segments than LOOKUP_LIMIT (one listing)', Math.ceil(LOOKUP_LIMIT / 4) + 5],
])('SAVE_META with %s', (_name, loads) => {
  it.each([
    ['a collection announced while UPLOAD_SNAPSHOT ran', 'announced'],
    ['a job that recorded nothing about collections (planned by an earlier version)', 'unrecorded'],
  ])('uploads again a blob removed after planning, for %s, and the snapshot restores whole', async (_what, how) => {
    let repoStore: FileObjectStore | undefined;
    let removed: string | undefined;
    let racing = false;
    const marker = layout.gcMarker('r', 'racing-collection');
    const { c, ...rest } = await backedUp(loads, (_w, state, handler) => async (input) => {
      if (!racing) return handler(input);
      if (state === 'UPLOAD_SNAPSHOT' && how === 'announced') await repoStore!.put(marker, '{}\n');
      if (state !== 'SAVE_META') return handler(input);
      // The collection that raced the backup: one of the blobs it planned to reuse is gone, and so is the
      // collection (and its marker).
      const blobs = await listAll(repoStore!, layout.blobsPrefix('r'));
      await repoStore!.delete((removed = blobs[0]!));
      await repoStore!.delete(marker);
      if (how === 'unrecorded') {
        await c.ctx.control.updateJob((input as { jobId: string }).jobId, (j) => {
          if (j.type !== 'BACKUP') throw new Error(`job ${j.jobId} is a ${j.type}`);
          expect(j.backup!.collectionSeen).toBe(false);
          delete j.backup!.collectionSeen;
          return j;
        });
      }
      return handler(input);
    });
    repoStore = rest.repoStore;
    try {
      expect((await listAll(repoStore, layout.blobsPrefix('r'))).length).toBeGreaterThan(loads * 2);
      racing = true;
      await c.sql('BACKUP DATABASE sr_hub SNAPSHOT s2 TO r');
      racing = false;
      expect(removed).toBeDefined();
      expect(await listAll(repoStore, layout.blobsPrefix('r'))).toContain(removed);
      await expectWhole(c);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('keeps a snapshot whole when a real DROP SNAPSHOT collects its blobs while it is planned', async () => {
    let racing = false;
    let gate: () => void = () => undefined;
    let reached: () => void = () => undefined;
    const atFirstDelete = new Promise<void>((r) => { reached = r; });
    const opened = new Promise<void>((r) => { gate = r; });
    let drop: Promise<unknown> | undefined;
    const { c, repoStore } = await backedUp(loads, (_w, state, handler) => async (input) => {
      if (!racing || state !== 'UPLOAD_SNAPSHOT') return handler(input);
      // The drop's collection has read every `__meta` (s2 has none yet) and decided s1's blobs go; it
      // deletes them only after s2 found them present.
      drop = c.sql('DROP SNAPSHOT s1 ON r');
      await atFirstDelete;
      const out = await handler(input);
      gate();
      await drop;
      return out;
    });
    try {
      const open = c.ctx.openLocation;
      c.ctx.openLocation = (...args) => {
        const store = open(...args);
        return { ...store, delete: async (k) => { if (k.includes('/__blobs/')) { reached(); await opened; } return store.delete(k); } };
      };
      const before = await listAll(repoStore, layout.blobsPrefix('r'));
      racing = true;
      await c.sql('BACKUP DATABASE sr_hub SNAPSHOT s2 TO r');
      expect(drop).toBeDefined();
      expect((await c.rows('SHOW SNAPSHOT ON r')).map((r) => r[0])).toEqual(['s2']);
      expect(await listAll(repoStore, layout.blobsPrefix('r'))).toEqual(before);
      expect(await listAll(repoStore, layout.gcMarkersPrefix('r'))).toEqual([]);
      await expectWhole(c);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('asks the repository nothing when no collection was announced, and the snapshot is whole', async () => {
    let phase = '';
    const { c } = await backedUp(loads, (_w, state, handler) => async (input) => {
      phase = state;
      return handler(input);
    });
    const seen: (StorageLogEntry & { phase: string })[] = [];
    try {
      setStorageLog((e) => { if (e.key?.startsWith('__starbackup_repository_r/')) seen.push({ ...e, phase }); }, 'debug');
      await c.sql('BACKUP DATABASE sr_hub SNAPSHOT s2 TO r');
      setStorageLog();
      expect(seen.filter((e) => e.phase === 'SAVE_META')).toEqual([]);
      const planning = seen.filter((e) => e.phase === 'UPLOAD_SNAPSHOT').map((e) => `${e.op} ${e.key!.split('/')[1]}`);
      // The markers are looked for after `__meta` is written and before any blob is looked up.
      expect(planning.slice(0, 2)).toEqual(['put __ss_s2', 'list __gc_running']);
      expect(planning.slice(2).every((p) => p === (loads ? 'list __blobs' : 'head __blobs'))).toBe(true);
      await expectWhole(c);
    } finally {
      await c.close();
    }
  }, 60_000);
});
