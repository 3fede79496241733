import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../lib/domain/errors.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { uploadBatch } from '../../lib/jobs/backup/upload-batch.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * DROP TABLE, DROP DATABASE and DROP MATERIALIZED VIEW delete the dropped tables' files from the data
 * store (segments, restored ones included, and manifests), never those of a table that still exists.
 */
const temp = useTempDirs('drop-files');
let c: TestCluster;

const tableId = async (db: string, t: string) => (await c.ctx.catalog.requireTable(db, t)).doc.def.id;
async function filesOf(id: string): Promise<string[]> {
  const out: string[] = [];
  for (const prefix of [`data/${id}/`, `meta/${id}/`]) {
    try {
      out.push(...(await listAll(c.ctx.data, prefix)));
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  return out;
}

beforeAll(async () => {
  const dir = await temp.make();
  mkdirSync(join(dir, 'repo'), { recursive: true });
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2), (3);
    CREATE TABLE d.u (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.u VALUES (4);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"; BACKUP DATABASE d SNAPSHOT s TO r`);
}, 60_000);
afterAll(async () => { await c?.close(); });

describe('dropping tables', () => {
  it('DROP DATABASE of a restored database deletes the restored segments and manifests, and keeps the source', async () => {
    const ts = await snapshotTimestamp(c, 'r', 's');
    await c.sql(`RESTORE SNAPSHOT s FROM r DATABASE d AS copy PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('copy.t')).toBe(3);
    const ids = [await tableId('copy', 't'), await tableId('copy', 'u')];
    for (const id of ids) expect((await filesOf(id)).length).toBeGreaterThan(0);
    await c.sql('DROP DATABASE copy');
    for (const id of ids) expect(await filesOf(id)).toEqual([]);
    expect(await c.ctx.catalog.droppedTables()).toEqual([]);
    expect(await c.count('d.t')).toBe(3);
    expect(await c.count('d.u')).toBe(1);
  }, 60_000);

  it('DROP TABLE deletes that table\'s files only', async () => {
    await c.sql('CREATE TABLE d.gone (k INT); INSERT INTO d.gone VALUES (7)');
    const id = await tableId('d', 'gone');
    expect((await filesOf(id)).length).toBeGreaterThan(0);
    await c.sql('DROP TABLE d.gone');
    expect(await filesOf(id)).toEqual([]);
    expect(await c.count('d.t')).toBe(3);
  }, 60_000);

  it('a drop that died before the table record went never deletes the live table\'s files', async () => {
    const id = await tableId('d', 'u');
    const before = await filesOf(id);
    // What a DROP TABLE d.u leaves when its process dies between the mark and the record.
    await c.ctx.catalog.table.put({ pk: 'DROPPED', sk: id }, { db: 'd', name: 'u', tableId: id });
    await c.sql('CREATE TABLE d.other (k INT); INSERT INTO d.other VALUES (1); DROP TABLE d.other');
    expect(await filesOf(id)).toEqual(before);
    expect(await c.count('d.u')).toBe(1);
    await c.ctx.catalog.forgetDropped(id);
  }, 60_000);

  it('keeps a dropped table\'s files while a backup of its database runs, and deletes them at the next drop', async () => {
    await c.sql('CREATE TABLE d.pinned (k INT); INSERT INTO d.pinned VALUES (5), (6)');
    const id = await tableId('d', 'pinned');
    const job = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT during TO r') as never);
    await backupPending(c.ctx, { jobId: job.jobId });
    await backupSnapshoting(c.ctx, { jobId: job.jobId });
    await c.sql('DROP TABLE d.pinned');
    expect((await filesOf(id)).length).toBeGreaterThan(0);
    // The backup pinned the table before the drop: it still reads its segments.
    const plan = await uploadSnapshot(c.ctx, { jobId: job.jobId });
    for (const batch of plan.batches) await uploadBatch(c.ctx, { jobId: job.jobId, batch });
    await cancelJob(c.ctx, { jobId: job.jobId });
    await c.sql('CREATE TABLE d.next (k INT); DROP TABLE d.next');
    expect(await filesOf(id)).toEqual([]);
    expect(await c.ctx.catalog.droppedTables()).toEqual([]);
  }, 60_000);

  it('DROP MATERIALIZED VIEW deletes the view\'s data', async () => {
    await c.sql('CREATE MATERIALIZED VIEW d.mv DISTRIBUTED BY HASH (k) BUCKETS 1 REFRESH MANUAL AS SELECT k FROM d.t; REFRESH MATERIALIZED VIEW d.mv WITH SYNC MODE');
    const id = await tableId('d', 'mv');
    expect((await filesOf(id)).length).toBeGreaterThan(0);
    await c.sql('DROP MATERIALIZED VIEW d.mv');
    expect(await filesOf(id)).toEqual([]);
  }, 60_000);
});
