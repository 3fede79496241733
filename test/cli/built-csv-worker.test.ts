import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockResult } from '../../lib/cluster/csv-block.ts';
import { BUILT_CLI } from '../support/built-cli.ts';
import { runCli } from '../support/run-process.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * The built CLI loads a file of several pieces (1 MiB each) through its own thread code,
 * dist/bin/csv-block-worker.js, which csv-pool.ts finds beside its chunk. A thread that failed to start
 * would only make the load fall back to one thread, so the built thread is also run here by itself.
 */
const temp = useTempDirs('built-csv-worker');
let c: TestCluster;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(join(dir, 'cluster'));
  await c.sql('CREATE DATABASE d; CREATE TABLE d.t (k INT NOT NULL, note VARCHAR(64)) DISTRIBUTED BY HASH (k) BUCKETS 2');
});
afterAll(async () => c?.close());

describe('the built thread of a parallel FILES() load', () => {
  it('routes a piece of a file', async () => {
    const def = (await c.ctx.catalog.requireTable('d', 't')).doc.def;
    const worker = new Worker(join(dirname(BUILT_CLI), 'csv-block-worker.js'), {
      workerData: { def, csv: { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 0, enclose: '"' } },
    });
    try {
      const result = await new Promise<BlockResult>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ id: 0, bytes: Buffer.from('1,"a, b"\n2,c\n3,"d'), first: true, last: false });
      });
      expect(result).toMatchObject({ id: 0, ok: true, rows: 2, rest: 4 });
      if (!result.ok) return;
      expect(result.buckets.map((b) => b[3]).reduce((a, b) => a + b)).toBe(2);
      // Handed over as UTF-8 bytes, moved rather than copied (each its own ArrayBuffer).
      expect(result.buckets.every((b) => b[2] instanceof Uint8Array && b[2].byteOffset === 0 && b[2].byteLength === b[2].buffer.byteLength)).toBe(true);
      expect(result.buckets.flatMap((b) => Buffer.from(b[2]).toString('utf8').split('\n')).sort()).toEqual(['["1","a, b"]', '["2","c"]']);
    } finally {
      await worker.terminate();
    }
  });

  it('loads a file of several pieces through the built CLI', async () => {
    const file = join(dir, 'big.csv');
    writeFileSync(file, Array.from({ length: 60_000 }, (_, i) => `${i},"note ${i}, padded ${'x'.repeat(20)}"\n`).join(''));
    const home = join(dir, 'home');
    const run = (sql: string) => runCli(['sql', '--home', home, sql]);
    expect((await run('CREATE DATABASE d; CREATE TABLE d.t (k INT NOT NULL, note VARCHAR(64)) DISTRIBUTED BY HASH (k) BUCKETS 3')).status).toBe(0);
    const load = await run(`INSERT INTO d.t SELECT * FROM FILES("path" = "file://${file}", "format" = "csv", "csv.column_separator" = ",", "csv.enclose" = '"')`);
    expect(load.stderr).toBe('');
    expect(load.stdout).toContain('Query OK, 60000 rows affected');
    const count = await run('SELECT COUNT(*) FROM d.t');
    expect(count.stdout).toContain('60000');
  });
});
