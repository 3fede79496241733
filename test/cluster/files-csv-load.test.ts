import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * INSERT … SELECT * FROM FILES() reads a CSV file as a stream (csv-parse) and writes it in batches; a
 * failure anywhere leaves the table and the data store as they were. Options and their meaning follow
 * StarRocks' FILES() (docs/en/sql-reference/sql-functions/table-functions/files.md, CSV parameters).
 */
const temp = useTempDirs('files-csv');
let c: TestCluster;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT NOT NULL, dt DATE, note VARCHAR(200))
    PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
    DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, '2024-01-01', 'first')`);
});
afterAll(async () => c?.close());

const files = (name: string, extra = '') =>
  `INSERT INTO d.t SELECT * FROM FILES("path" = "file://${join(dir, name)}", "format" = "csv", "csv.column_separator" = ","${extra})`;

const sorted = (rows: (string | null)[][]) => rows.sort((a, b) => Number(a[0]) - Number(b[0]));

async function unchanged(run: () => Promise<void>): Promise<void> {
  const objects = await listAll(c.ctx.data, '');
  const rows = await c.rows('SELECT * FROM d.t');
  await run();
  expect(await c.rows('SELECT * FROM d.t')).toEqual(rows);
  expect(await listAll(c.ctx.data, '')).toEqual(objects);
}

describe('FILES() CSV loads', () => {
  it('loads a file of 300,000 rows in several batches, with the right counts per partition', async () => {
    const file = join(dir, 'big.csv');
    const out = createWriteStream(file);
    out.write('k,dt,note\n');
    for (let i = 0; i < 300_000; i++) out.write(`${i + 10},2024-0${(i % 2) + 1}-05,"row ${i}, quoted"\n`);
    await new Promise((done) => out.end(done));
    const [r] = await c.sql(files('big.csv', `, "csv.skip_header" = "1", "csv.enclose" = '"'`));
    expect(r!.message).toBe('Query OK, 300000 rows affected');
    expect(await c.count('d.t')).toBe(300_001);
    expect((await c.rows('SELECT COUNT(*) FROM d.t PARTITION (p2)'))[0]![0]).toBe('150000');
    const tail = await c.rows('SELECT * FROM d.t WHERE k = 300009');
    expect(tail).toEqual([['300009', '2024-02-05', 'row 299999, quoted']]);
  });

  it('reads quoted fields holding separators, newlines and doubled quotes; \\N is NULL', async () => {
    writeFileSync(join(dir, 'q.csv'), '2,2024-01-02,"a,b\nc ""d"""\r\n3,2024-01-03,\\N\n');
    await c.sql(files('q.csv', `, "csv.enclose" = '"'`));
    expect(await c.rows('SELECT * FROM d.t WHERE k = 2')).toEqual([['2', '2024-01-02', 'a,b\nc "d"']]);
    expect(await c.rows('SELECT * FROM d.t WHERE k = 3')).toEqual([['3', '2024-01-03', null]]);
  });

  it('takes separators and row delimiters of several characters, and csv.trim_space', async () => {
    writeFileSync(join(dir, 'm.csv'), '4||2024-01-04|| x ##5 ||2024-01-05 ||y##');
    await c.sql(`INSERT INTO d.t SELECT * FROM FILES("path" = "file://${join(dir, 'm.csv')}", "format" = "csv",
      "csv.column_separator" = "||", "csv.row_delimiter" = "##", "csv.trim_space" = "true")`);
    expect(await c.rows('SELECT note FROM d.t WHERE k = 4')).toEqual([['x']]);
    expect(await c.rows('SELECT dt FROM d.t WHERE k = 5')).toEqual([['2024-01-05']]);
    expect(await c.error(files('m.csv', `, "csv.trim_space" = "yes"`))).toBe("Invalid csv.trim_space: 'yes'; use true or false");
  });

  it('an unterminated quote fails the load and leaves the table as it was', async () => {
    writeFileSync(join(dir, 'open.csv'), '6,2024-01-06,fine\n7,2024-01-07,"never closed\n8,2024-01-08,x\n');
    await unchanged(async () => {
      expect(await c.error(files('open.csv', `, "csv.enclose" = '"'`))).toBe('CSV ends inside a quoted field');
    });
  });

  it('a row with the wrong number of columns, after batches were written, removes them', async () => {
    // 300,000 rows route to more than one batch (BATCH_CHARS), so segments exist when the last row fails.
    const rows = Array.from({ length: 300_000 }, (_, i) => `${i + 20},2024-01-09,some note`);
    writeFileSync(join(dir, 'short.csv'), [...rows, '9,2024-01-09'].join('\n'));
    await unchanged(async () => {
      expect(await c.error(files('short.csv'))).toBe("Row 300001: 2 values for 3 columns of table 't'");
    });
  });

  it('a bad value for a column type names the row, the value and the column', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'k,dt,note\n10,2024-01-10,ok\n11,2024-13-45,bad\n');
    await unchanged(async () => {
      expect(await c.error(files('bad.csv', `, "csv.skip_header" = "1"`))).toBe(
        "Row 2: value '2024-13-45' for column 'dt' is not a valid DATE (yyyy-MM-dd) (date)",
      );
    });
  });

  it('a NULL in a NOT NULL column, and an empty file, which loads nothing', async () => {
    writeFileSync(join(dir, 'null.csv'), '\\N,2024-01-10,x\n');
    await unchanged(async () => {
      expect(await c.error(files('null.csv'))).toBe("Row 1: column 'k' is NULL, but it is NOT NULL");
    });
    writeFileSync(join(dir, 'empty.csv'), '');
    await unchanged(async () => {
      expect((await c.sql(files('empty.csv')))[0]!.message).toBe('Query OK, 0 rows affected');
    });
  });
  it('parser edge cases: BOM, CRLF, newlines and separators in quotes, empty fields, last row with or without a newline', async () => {
    // A UTF-8 BOM is not data; \r\n ends rows (after a closing quote too), and inside quotes it is data.
    writeFileSync(join(dir, 'edge.csv'), '\uFEFF400100,2024-01-11,"x,y"\r\n400101,2024-01-12,"two\r\nlines"\r\n400102,2024-01-13,\r\n400103,2024-01-14,"\\N"\r\n400104,2024-01-15,last');
    const [r] = await c.sql(files('edge.csv', `, "csv.enclose" = '"'`));
    expect(r!.message).toBe('Query OK, 5 rows affected');
    expect(sorted(await c.rows('SELECT * FROM d.t WHERE k >= 400100 AND k <= 400104'))).toEqual([
      ['400100', '2024-01-11', 'x,y'],
      ['400101', '2024-01-12', 'two\r\nlines'],
      ['400102', '2024-01-13', ''], // an empty field is an empty string; only \N is NULL
      ['400103', '2024-01-14', null],
      ['400104', '2024-01-15', 'last'],
    ]);
    // Without csv.enclose, a quote is data; a trailing newline ends the last row and adds none.
    writeFileSync(join(dir, 'plain.csv'), '400105,2024-01-16,say "hi"\n400106,2024-01-17,\n');
    expect((await c.sql(files('plain.csv')))[0]!.message).toBe('Query OK, 2 rows affected');
    expect(await c.rows('SELECT note FROM d.t WHERE k = 400105')).toEqual([['say "hi"']]);
  });

  it('csv.escape escapes the enclose character; a column list maps fields to columns; values are made canonical', async () => {
    writeFileSync(join(dir, 'esc.csv'), '"a \\"quoted\\" word",0400107,20240118\n"b",+400108,2024-1-19\n');
    await c.sql(`INSERT INTO d.t (note, k, dt) SELECT * FROM FILES("path" = "file://${join(dir, 'esc.csv')}", "format" = "csv",
      "csv.column_separator" = ",", "csv.enclose" = '"', "csv.escape" = "\\\\")`);
    expect(sorted(await c.rows('SELECT * FROM d.t WHERE k >= 400107 AND k <= 400108'))).toEqual([
      ['400107', '2024-01-18', 'a "quoted" word'],
      ['400108', '2024-01-19', 'b'],
    ]);
  });

  it('a value too long for its column, and an integer out of range, are named', async () => {
    writeFileSync(join(dir, 'long.csv'), `400109,2024-01-20,${'é'.repeat(101)}\n`);
    await unchanged(async () => {
      expect(await c.error(files('long.csv'))).toBe(`Row 1: value '${'é'.repeat(57)}...' for column 'note' is longer than 200 bytes (varchar(200))`);
    });
    writeFileSync(join(dir, 'range.csv'), '2147483648,2024-01-20,x\n');
    await unchanged(async () => {
      expect(await c.error(files('range.csv'))).toBe("Row 1: value '2147483648' for column 'k' is out of range for int(11) (int(11))");
    });
  });
});
