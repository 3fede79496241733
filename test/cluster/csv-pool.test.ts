import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableDef } from '../../lib/domain/catalog-types.ts';
import { type CsvOptions, csvRows } from '../../lib/cluster/csv.ts';
import { parallelBatches, type Sequential } from '../../lib/cluster/csv-pool.ts';
import type { RoutedLines } from '../../lib/cluster/load.ts';
import { LoadScope } from '../../lib/cluster/deadline.ts';
import { batches, loadCsv } from '../../lib/cluster/load-csv.ts';
import { RowRouter } from '../../lib/cluster/row-builder.ts';
import { encodeRow } from '../../lib/cluster/segments.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A FILES() load spread over threads (csv-pool.ts, real worker threads) must route every row to the same
 * bucket, in the same order, as one thread does, and fail with the same message; a piece whose end is not a
 * record's end, and every piece after it, are read again in this thread.
 */
const temp = useTempDirs('csv-pool');
let c: TestCluster;
let hashed: TableDef;
let random: TableDef;
let json: TableDef;
const csv: CsvOptions = { columnSeparator: ',', rowDelimiter: '\n', skipHeader: 1, enclose: '"' };
const pool = { workers: 2, blockBytes: 2048 };

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  await c.sql(`CREATE DATABASE d;
    CREATE TABLE d.h (k INT NOT NULL, dt DATE, note VARCHAR(200))
      PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
      DISTRIBUTED BY HASH (k) BUCKETS 3;
    CREATE TABLE d.r (k INT NOT NULL, dt DATE, note VARCHAR(200)) DISTRIBUTED BY RANDOM BUCKETS 5;
    CREATE TABLE d.j (k INT NOT NULL, j JSON) DISTRIBUTED BY HASH (k) BUCKETS 2`);
  hashed = (await c.ctx.catalog.requireTable('d', 'h')).doc.def;
  random = (await c.ctx.catalog.requireTable('d', 'r')).doc.def;
  json = (await c.ctx.catalog.requireTable('d', 'j')).doc.def;
});
afterAll(async () => c?.close());

/** Every bucket's lines, in order, over all batches. */
async function lines(routed: AsyncIterable<RoutedLines>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for await (const batch of routed) {
    for (const [part, buckets] of batch) {
      for (const [bucket, l] of buckets) {
        // A thread's pieces come as UTF-8 bytes, one thread's as strings.
        const text = l.texts.map((t) => (typeof t === 'string' ? t : Buffer.from(t).toString('utf8'))).join('\n').split('\n');
        expect(text).toHaveLength(l.rows);
        (out[`${part}/${bucket}`] ??= []).push(...text);
      }
    }
  }
  return out;
}

async function both(def: TableDef, text: string, o = csv, threadColumns?: string[]): Promise<{ threads: Record<string, string[]> | Error; one: Record<string, string[]> | Error; fellBack: number }> {
  const chunks = Buffer.from(text).toString('base64').match(/.{1,4000}/g)!.map((b) => Buffer.from(b, 'base64'));
  let fellBack = 0;
  const router = new RowRouter(def, undefined, undefined, encodeRow);
  const sequential: Sequential = (rest, opts, atStart) => {
    fellBack++;
    return batches(router, csvRows(rest, opts, atStart), 512);
  };
  const setup = { def, csv: o, ...(threadColumns ? { columns: threadColumns } : {}) };
  const threads = await lines(parallelBatches(Readable.from(chunks), setup, router, 512, pool, sequential)).catch((e: Error) => e);
  const one = await lines(batches(new RowRouter(def, undefined, undefined, encodeRow), csvRows(Readable.from([Buffer.from(text)]), o), 512)).catch((e: Error) => e);
  return { threads, one, fellBack };
}

const row = (i: number) => `${i},2024-0${(i % 2) + 1}-${String((i % 28) + 1).padStart(2, '0')},"note ${i}, ""quoted"""`;

describe('a FILES() load over threads', () => {
  it('routes every row as one thread does, header and byte order mark skipped, with no piece read twice', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i));
    // A piece holding the text that joins two encoded rows encodes its rows one by one.
    rows[1500] = '1500,2024-01-02,"x],[y"';
    const text = `\uFEFFk,dt,note\n${rows.join('\r\n')}`;
    const { threads, one, fellBack } = await both(hashed, text);
    expect(fellBack).toBe(0);
    expect(Object.values(one as Record<string, string[]>).flat()).toHaveLength(3000);
    expect(threads).toEqual(one);
  });

  it('hands over text of several bytes a character as one thread reads it (pieces cut inside characters)', async () => {
    const notes = ['北京, "市"', 'café ""crème""', '🦀 rust', 'naïve ½'];
    const text = `k,dt,note\n${Array.from({ length: 3000 }, (_, i) => `${i},2024-01-0${(i % 9) + 1},"${notes[i % 4]} ${i}"`).join('\n')}\n`;
    const { threads, one, fellBack } = await both(hashed, text);
    expect(fellBack).toBe(0);
    expect(Object.values(threads as Record<string, string[]>).flat()).toContain('["5","2024-01-06","café \\"crème\\" 5"]');
    expect(Object.values(threads as Record<string, string[]>).flat()).toContain('["6","2024-01-07","🦀 rust 6"]');
    expect(threads).toEqual(one);
  });

  it('encodes JSON values one row at a time: their canonical form is not a piece of the file', async () => {
    const text = `k,j\n${Array.from({ length: 2000 }, (_, i) => `${i},"[[${i}], [${i + 1}]]"`).join('\n')}\n`;
    const { threads, one, fellBack } = await both(json, text);
    expect(fellBack).toBe(0);
    expect(Object.values(threads as Record<string, string[]>).flat()).toContain('["7","[[7],[8]]"]');
    expect(threads).toEqual(one);
  });

  it('encodes rows one at a time when a doubled enclose character can make the text that joins two rows', async () => {
    const o: CsvOptions = { columnSeparator: '\t', rowDelimiter: '\n', skipHeader: 0, enclose: ',' };
    const text = `${Array.from({ length: 2000 }, (_, i) => `${i}\t2024-01-05\t,x],,[${i},`).join('\n')}\n`;
    const { threads, one, fellBack } = await both(hashed, text, o);
    expect(fellBack).toBe(0);
    expect(Object.values(threads as Record<string, string[]>).flat()).toContain('["7","2024-01-05","x],[7"]');
    expect(threads).toEqual(one);
  });

  it('turns RANDOM buckets by the rows before each piece', async () => {
    const text = `k,dt,note\n${Array.from({ length: 3001 }, (_, i) => row(i)).join('\n')}\n`;
    const { threads, one, fellBack } = await both(random, text);
    expect(fellBack).toBe(0);
    expect(Object.keys(one)).toHaveLength(5);
    expect(threads).toEqual(one);
  });

  it('reads on in one thread from a piece cut inside a quoted field, with the same rows', async () => {
    const text = `k,dt,note\n${Array.from({ length: 3000 }, (_, i) => `${i},2024-01-05,"line one\nline two ${'x'.repeat(i % 50)}"`).join('\n')}`;
    const { threads, one, fellBack } = await both(hashed, text);
    expect(fellBack).toBe(1);
    expect(threads).toEqual(one);
  });

  it('fails where one thread fails, with the row numbered in the whole file', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => row(i));
    rows[2500] = '2500,2024-13-45,bad';
    const { threads, one, fellBack } = await both(hashed, `k,dt,note\n${rows.join('\n')}`);
    expect(fellBack).toBe(1);
    expect((threads as Error).message).toBe("Row 2501: value '2024-13-45' for column 'dt' is not a valid DATE (yyyy-MM-dd) (date)");
    expect(threads).toEqual(one);
    const open = await both(hashed, `k,dt,note\n${rows.slice(0, 2000).join('\n')}\n7,2024-01-01,"never closed\n`);
    expect((open.threads as Error).message).toBe('CSV ends inside a quoted field');
  });

  it('reads a file of one piece, and one whose threads fail to start, in this thread', async () => {
    const small = await both(hashed, `k,dt,note\n${row(1)}\n${row(2)}\n`);
    expect(small.fellBack).toBe(1);
    expect(small.threads).toEqual(small.one);
    // The threads are given a column the table does not have: each fails as it starts.
    const text = `k,dt,note\n${Array.from({ length: 3000 }, (_, i) => row(i)).join('\n')}`;
    const broken = await both(hashed, text, csv, ['k', 'dt', 'nope']);
    expect(broken.fellBack).toBe(1);
    expect(broken.threads).toEqual(broken.one);
  });

  it('loads through FILES() the same table whether threads read it or not', async () => {
    const text = `k,dt,note\n${Array.from({ length: 3000 }, (_, i) => row(i)).join('\n')}\n`;
    const router = new RowRouter(hashed, undefined, undefined, encodeRow);
    const n = await loadCsv(c.ctx, 'd', 'h', router, Readable.from([Buffer.from(text)]), csv, LoadScope.FILES, 4096, pool);
    expect(n).toBe(3000);
    expect(await c.count('d.h')).toBe(3000);
    expect(await c.rows('SELECT * FROM d.h WHERE k = 2999')).toEqual([['2999', '2024-02-04', 'note 2999, "quoted"']]);
    expect(await c.rows('SELECT COUNT(*) FROM d.h PARTITION (p1)')).toEqual([['1500']]);
  });
});
