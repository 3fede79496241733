import type { TableDef } from '../domain/catalog-types.ts';
import { type CsvOptions, finishRecords, MAX_RECORD_CHARS, splitterOptions } from './csv.ts';
import { CsvSplitter } from './csv-splitter.ts';
import { RowRouter } from './row-builder.ts';
import { LinesSink, readBlockText } from './block-text.ts';
import { type Row, encodeRow } from './segments.ts';

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

const wholeText = (rows: unknown[]) => JSON.stringify(rows).slice(1, -1).replaceAll(ROW_JOIN, ']\n[');
const rowByRow = (rows: Row[]) => rows.map(encodeRow).join('\n');

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
      const sinks = new Map<string, Map<number, LinesSink>>();
      let headers = block.first ? o.skipHeader : 0;
      let rowCount = 0;
      this.router.count = 0;
      // Each part's records are routed and encoded before the next part is read.
      const route = (records: string[][], joinInText: boolean) => {
        const skipped = Math.min(headers, records.length);
        headers -= skipped;
        const rows = finishRecords(skipped > 0 ? records.slice(skipped) : records, o);
        for (const row of rows) this.router.add(row);
        rowCount += rows.length;
        // One JSON text of a bucket's rows is made in half the time of one per row; its rows are then parted
        // where `],[` joins them, when no value can hold those characters: values are then pieces of the
        // text read so far, or canonical numbers, dates and booleans.
        const text = !this.madeValues && !joinInText ? wholeText : rowByRow;
        for (const [part, byBucket] of this.router.take()) {
          let partSinks = sinks.get(part);
          if (!partSinks) sinks.set(part, (partSinks = new Map()));
          for (const [bucket, rows] of byBucket) {
            let sink = partSinks.get(bucket);
            if (!sink) partSinks.set(bucket, (sink = new LinesSink()));
            sink.add(rows, text);
          }
        }
      };
      let joinSeen = false;
      readBlockText(block.bytes, block.first, ROW_JOIN, (text, seen) => {
        joinSeen = seen;
        const records: string[][] = [];
        splitter.push(text, records);
        route(records, seen);
      });
      if (block.last) {
        const records: string[][] = [];
        splitter.end(records);
        route(records, joinSeen);
      }
      if (headers > 0) return { id: block.id, ok: false, reason: 'fewer records than header lines' };
      const buckets: RoutedText[] = [];
      for (const [part, partSinks] of sinks) for (const [bucket, sink] of partSinks) buckets.push([part, bucket, sink.bytes(), sink.rows]);
      return { id: block.id, ok: true, rows: rowCount, rest: Buffer.byteLength(splitter.pending), buckets };
    } catch (e) {
      this.router.take();
      return { id: block.id, ok: false, reason: (e as Error).message };
    }
  }
}
