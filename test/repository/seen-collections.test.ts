import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { layout } from '../../lib/domain/repository-layout.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { SEEN_COLLECTION_WAIT_MS } from '../../lib/repository/seen-collections.ts';
import { instrumentStores, type StoreHooks } from '../support/instrumented-stores.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A backup that saw a garbage collection announced waits, before it checks its blobs a last time, until
 * that collection has ended or renewed its marker (lib/repository/seen-collections.ts): a collection that
 * decided before the backup's `__meta` existed may send its deletes after that check. Time is the
 * cluster's clock, set by the test; the backup looks again every second of real time.
 */
const temp = useTempDirs('seen-collections');
let c: TestCluster;
let repo: ObjectStore;
let hooks: StoreHooks;
const NOW = Date.parse('2030-01-01T12:00:00.000Z');
let t = NOW;
const marker = layout.gcMarker('r', 'elsewhere');
const markerBody = (renewed: number) => JSON.stringify({ started: new Date(NOW).toISOString(), renewed: new Date(renewed).toISOString() });

/**
 * Calls `waiting` once a statement reads the marker `key` a second time (a backup reads it once after writing
 * its `__meta`, and again while it waits for its collection); the answer tells whether that happened.
 */
function whenWaitingFor(key: string, waiting: () => unknown): () => boolean {
  let reads = 0;
  hooks.get = (k) => {
    if (k === key && ++reads === 2) void waiting();
  };
  return () => reads >= 2;
}

async function verified(label: string): Promise<void> {
  const [row] = await c.rows(`SHOW SNAPSHOT ON r WHERE SNAPSHOT = '${label}'`);
  expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${label} ON r PROPERTIES ("backup_timestamp" = "${row![1]}", "read_data" = "true")`))
    .toEqual([[label, row![1], null, null, 'OK']]);
}

beforeAll(async () => {
  const dir = await temp.make();
  mkdirSync(join(dir, 'repo'));
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"; BACKUP DATABASE d SNAPSHOT s1 TO r`);
  repo = await openRepository(c.ctx, await c.ctx.control.requireRepository('r'));
  c.ctx.clock = { now: () => t };
  ({ hooks } = instrumentStores(c));
}, 120_000);
beforeEach(() => {
  t = NOW;
  hooks.get = undefined;
  hooks.delete = undefined;
});
afterAll(async () => { await c?.close(); });

describe('a backup that saw a collection', () => {
  it('checks its blobs again only after that collection has sent its deletes: a blob it deleted late goes back in before the commit', async () => {
    // The collection decides on its first batch, then deletes slowly: the whole backup runs meanwhile. It
    // names the blob, sees the marker, finds the blob present, and would check it again before committing;
    // the collection deletes it only after that, from a decision made before the backup's `__meta` existed.
    let backup: Promise<unknown> | undefined;
    let ownMarker: string | undefined;
    let waiting!: () => void;
    const waits = new Promise<void>((resolve) => { waiting = resolve; });
    hooks.delete = async () => {
      hooks.delete = undefined;
      [ownMarker] = await listAll(repo, layout.gcMarkersPrefix('r'));
      whenWaitingFor(ownMarker!, waiting);
      backup = c.sql('BACKUP DATABASE d SNAPSHOT late TO r');
      // Until the backup ends (before the fix, committing a snapshot missing this blob), or waits for us.
      await Promise.race([backup, waits]);
    };
    await c.sql('DROP SNAPSHOT s1 ON r');
    await backup;
    expect(ownMarker).toBeDefined();
    await verified('late');
    expect(await listAll(repo, layout.gcMarkersPrefix('r'))).toEqual([]);
  }, 120_000);

  it('stops waiting once that collection renews its marker (it then reads the new `__meta` before deleting more)', async () => {
    await repo.put(marker, markerBody(NOW));
    const waited = whenWaitingFor(marker, () => repo.put(marker, markerBody(NOW + 1)));
    await c.sql('BACKUP DATABASE d SNAPSHOT renewed TO r');
    expect(waited()).toBe(true);
    await verified('renewed');
    // Nothing waited for the marker to go, nor for the clock.
    expect(await listAll(repo, layout.gcMarkersPrefix('r'))).toEqual([marker]);
    expect(t).toBe(NOW);
    await repo.delete(marker);
  }, 120_000);

  it('stops waiting for a marker nobody renews once a live collection would have renewed it', async () => {
    await repo.put(marker, markerBody(NOW));
    const waited = whenWaitingFor(marker, () => { t = NOW + SEEN_COLLECTION_WAIT_MS; });
    await c.sql('BACKUP DATABASE d SNAPSHOT stalled TO r');
    expect(waited()).toBe(true);
    await verified('stalled');
    expect(await listAll(repo, layout.gcMarkersPrefix('r'))).toEqual([marker]);
    await repo.delete(marker);
  }, 120_000);
  it('does not wait for a collection whose marker says it stopped renewing long enough ago (a drop killed a while back)', async () => {
    await repo.put(marker, markerBody(NOW - SEEN_COLLECTION_WAIT_MS));
    const waited = whenWaitingFor(marker, () => undefined);
    await c.sql('BACKUP DATABASE d SNAPSHOT killed TO r');
    expect(waited()).toBe(false);
    await verified('killed');
    await repo.delete(marker);
  }, 120_000);
});
