import type { TableDef } from '../domain/catalog-types.ts';
import { type CsvOptions, finishRecords, MAX_RECORD_CHARS, splitterOptions } from './csv.ts';
import { CsvSplitter } from './csv-splitter.ts';
import { RowRouter } from './row-builder.ts';
import { encodeRow } from './segments.ts';

const ROW_JOIN = '],[';

/** What each thread of a parallel load is given once: the table and how to read the file. */
export interface BlockSetup { def: TableDef; columns?: string[]; restrictTo?: string[]; csv: CsvOptions }

/** A piece of the file cut after a row delimiter: whole records, unless a quoted field holds the cut. */
export interface Block { id: number; bytes: Uint8Array; first: boolean; last: boolean }

/**
 * One routed bucket of a block: its partition, bucket, segment lines joined by `\n` as UTF-8, and their
 * count. Bytes rather than a string: a thread hands them over without a copy (csv-block-worker.ts), and the
 * loading thread writes them as they are, where a string was copied to it, joined and encoded again.
 */
export type RoutedText = [partition: string, bucket: number, text: Uint8Array, rows: number];

const utf8 = new TextEncoder();

/**
 * A block read and routed: its rows (header lines not counted), how many bytes at its end a record left
 * incomplete, and its buckets; or why it could not be (a bad row, a quote left open, fewer records than
 * header lines): the load then reads on in one thread from this block, which says it again exactly.
 */
export type BlockResult =
  | { id: number; ok: true; rows: number; rest: number; buckets: RoutedText[] }
  | { id: number; ok: false; reason: string };

/**
 * Reads, checks, routes and encodes blocks as RowRouter does in one thread, numbering rows from 0 in each
 * block: RANDOM buckets are turned by the rows before the block where the results meet (csv-pool.ts).
 */
export class BlockRouter {
  private readonly router: RowRouter;
  /**
   * Whether a value could hold the text that ends one encoded row and starts the next without that text
   * being in the file: a column's default, a JSON value (written again in canonical form), or an enclose
   * character among those three, whose doubling made one of it (`],,[` enclosed by `,` is the value `],[`).
   */
  private readonly madeValues: boolean;

  constructor(private readonly setup: BlockSetup) {
    this.router = new RowRouter(setup.def, setup.columns, setup.restrictTo);
    this.madeValues = setup.def.columns.some((c) => c.type.name === 'JSON' || c.defaultValue?.includes(ROW_JOIN))
      || (setup.csv.enclose !== undefined && ROW_JOIN.includes(setup.csv.enclose));
  }

  route(block: Block): BlockResult {
    const o = this.setup.csv;
    try {
      const splitter = new CsvSplitter(splitterOptions(o)!, MAX_RECORD_CHARS);
      let text = Buffer.from(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength).toString('utf8');
      if (block.first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const records: string[][] = [];
      splitter.push(text, records);
      if (block.last) splitter.end(records);
      const skip = block.first ? o.skipHeader : 0;
      if (records.length < skip) return { id: block.id, ok: false, reason: 'fewer records than header lines' };
      const rows = finishRecords(skip > 0 ? records.slice(skip) : records, o);
      this.router.count = 0;
      for (const row of rows) this.router.add(row);
      const buckets: RoutedText[] = [];
      // One JSON text of a bucket's rows is made in half the time of one per row; its rows are then parted
      // where `],[` joins them, when no value can hold those characters: values are then pieces of the
      // block's text, or canonical numbers, dates and booleans.
      const whole = !this.madeValues && !text.includes(ROW_JOIN);
      for (const [part, byBucket] of this.router.take()) {
        for (const [bucket, rows] of byBucket) {
          const lines = whole ? JSON.stringify(rows).slice(1, -1).replaceAll(ROW_JOIN, ']\n[') : rows.map(encodeRow).join('\n');
          // TextEncoder gives each its own ArrayBuffer, which the thread can transfer (a small Buffer.from
          // would be a slice of Node's shared pool).
          buckets.push([part, bucket, utf8.encode(lines), rows.length]);
        }
      }
      return { id: block.id, ok: true, rows: rows.length, rest: Buffer.byteLength(splitter.pending), buckets };
    } catch (e) {
      this.router.take();
      return { id: block.id, ok: false, reason: (e as Error).message };
    }
  }
}
