import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore } from '../../lib/control/control-store.ts';
import { JobCounter } from '../../lib/domain/control-types.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('skipped-progress');
let c: TestCluster;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING) DUPLICATE KEY (k) DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
});
afterAll(async () => c?.close());

/** The job's own counters (not SHOW BACKUP's rendering), beside its totals. */
async function counters(label: string) {
  const [row] = await c.rows(`SHOW BACKUP FROM d WHERE SnapshotName = '${label}'`);
  const job = await c.ctx.control.requireJob(row![0]!);
  return {
    state: job.doc.state,
    files: ControlStore.progressOf(job, JobCounter.FILES_DONE),
    bytes: ControlStore.progressOf(job, JobCounter.BYTES_DONE),
    totals: job.doc.totals,
    progress: row![10],
  };
}

describe('the progress of a backup whose files are already in the repository', () => {
  it('counts them as done: a second backup of unchanged data finishes at 100% of files and bytes', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT s1 TO r');
    const first = await counters('s1');
    expect(first.totals.files).toBeGreaterThan(0);
    expect([first.files, first.bytes]).toEqual([first.totals.files, first.totals.bytes]);

    // Nothing changed: every blob is in the repository already, so UPLOADING moves none of them.
    await c.sql('BACKUP DATABASE d SNAPSHOT s2 TO r');
    const second = await counters('s2');
    expect(second.state).toBe('FINISHED');
    expect(second.totals).toEqual(first.totals);
    expect([second.files, second.bytes]).toEqual([second.totals.files, second.totals.bytes]);
    expect(second.progress).toBe(`[files: ${second.totals.files}/${second.totals.files}, bytes: ${second.totals.bytes}/${second.totals.bytes}]`);
  });
});
