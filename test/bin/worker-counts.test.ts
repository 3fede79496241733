import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHomeConfig } from '../../bin/embedded-runtime.ts';
import { parseHomeConfig } from '../../lib/domain/home-config.ts';
import { backupAndRestore, createSampleDatabase } from '../support/sample-database.ts';
import { openTestCluster } from '../support/test-cluster.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('workers');

/** The most Map iterations of each kind that ran at the same time. */
async function peakConcurrency(conf: string): Promise<Record<string, number>> {
  const dir = await temp.make();
  mkdirSync(join(dir, 'home'), { recursive: true });
  writeFileSync(join(dir, 'home', 'starbackup.conf'), conf);
  const running: Record<string, number> = {}, peak: Record<string, number> = {};
  const c = await openTestCluster(dir, {
    batch: { maxFiles: 1, maxBytes: 1 << 30, maxBatches: 1000 },
    wrapHandlers: (_w, state, handler) => !state.endsWith('_BATCH') ? handler : async (input) => {
      running[state] = (running[state] ?? 0) + 1;
      peak[state] = Math.max(peak[state] ?? 0, running[state]!);
      try {
        await new Promise((r) => setTimeout(r, 40));
        return await handler(input);
      } finally {
        running[state]!--;
      }
    },
  });
  try {
    await createSampleDatabase(c);
    // More loads, more segment files: one batch each.
    for (let i = 0; i < 3; i++) await c.sql(`INSERT INTO sr_hub.sr_member VALUES (${10 + i}, 'x', '2024-01-05'), (${20 + i}, 'y', '2024-02-05')`);
    mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
    await c.sql(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
    await backupAndRestore(c, 'r', 's1', 'copy');
  } finally {
    await c.close();
  }
  return peak;
}

describe('upload_worker_count and download_worker_count in <home>/starbackup.conf', () => {
  it('bound how many batches move at once, each on its own', async () => {
    expect(await peakConcurrency('upload_worker_count = 1\ndownload_worker_count = 3 # restores\n')).toEqual({ UPLOAD_BATCH: 1, DOWNLOAD_BATCH: 3 });
    // download_worker_count unset: one per core.
    const peak = await peakConcurrency('upload_worker_count = "2"\n');
    expect(peak.UPLOAD_BATCH).toBe(2);
    expect(peak.DOWNLOAD_BATCH).toBeLessThanOrEqual(availableParallelism());
    expect(peak.DOWNLOAD_BATCH).toBeGreaterThanOrEqual(Math.min(2, availableParallelism()));
  }, 60_000);

  it('default to one worker per core, as StarRocks does with 0', async () => {
    expect(parseHomeConfig('', 'x')).toEqual({ workers: { upload: 0, download: 0 }, allowedEndpoints: [] });
    expect(parseHomeConfig('# nothing set\n\nupload_worker_count=0\r\n', 'x')).toEqual({ workers: { upload: 0, download: 0 }, allowedEndpoints: [] });
    expect(readHomeConfig(await temp.make())).toEqual({ workers: { upload: 0, download: 0 }, allowedEndpoints: [] });
  });

  it('reads make_snapshot_worker_count and release_snapshot_worker_count (StarRocks BE keys, docs: BE configuration)', () => {
    // Here they bound SNAPSHOTING's manifest reads and the staging cleanup of a finished or cancelled job.
    expect(parseHomeConfig('make_snapshot_worker_count = 4\nrelease_snapshot_worker_count = 0\n', 'x').workers).toEqual({ upload: 0, download: 0, makeSnapshot: 4, releaseSnapshot: 0 });
    expect(() => parseHomeConfig('release_snapshot_worker_count = x', 'f.conf')).toThrow(
      "Invalid value 'x' for release_snapshot_worker_count in f.conf line 1: a whole number from 0 (one per core) to 1024",
    );
  });

  it.each([
    ['upload_worker_count = many', "Invalid value 'many' for upload_worker_count in f.conf line 1: a whole number from 0 (one per core) to 1024"],
    ['\ndownload_worker_count = -1', "Invalid value '-1' for download_worker_count in f.conf line 2: a whole number from 0 (one per core) to 1024"],
    ['upload_worker_count = 5000', "Invalid value '5000' for upload_worker_count in f.conf line 1: a whole number from 0 (one per core) to 1024"],
    ['upload_worker_count = ', "Invalid value '' for upload_worker_count in f.conf line 1: a whole number from 0 (one per core) to 1024"],
    ['make_snapshot_workers = 2', "Unknown config item 'make_snapshot_workers' in f.conf line 1; known items: upload_worker_count, download_worker_count, make_snapshot_worker_count, release_snapshot_worker_count, allowed_file_paths, allowed_endpoints"],
    ['allowed_file_paths = /data, loads', "Invalid value 'loads' for allowed_file_paths in f.conf line 1: folders must be absolute paths"],
    ['upload_worker_count 4', "Invalid line in f.conf line 1: 'upload_worker_count 4' is not key = value"],
  ])('refuses %j', (text, message) => {
    expect(() => parseHomeConfig(text, 'f.conf')).toThrow(message);
  });

  it('a bad file stops the home from opening, naming the file', async () => {
    const dir = await temp.make();
    mkdirSync(join(dir, 'home'));
    writeFileSync(join(dir, 'home', 'starbackup.conf'), 'upload_worker_count = lots\n');
    await expect(openTestCluster(dir)).rejects.toThrow(`Invalid value 'lots' for upload_worker_count in ${join(dir, 'home', 'starbackup.conf')} line 1`);
  });
});
