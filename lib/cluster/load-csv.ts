import type { Readable } from 'node:stream';
import { type CsvOptions, csvRows, splitterOptions } from './csv.ts';
import { defaultPool, parallelBatches, type Sequential } from './csv-pool.ts';
import { type DeadlineScope, checkDeadline } from './deadline.ts';
import { type ClusterContext, loadBatches, type RoutedLines, routedLines } from './load.ts';
import type { RowRouter } from './row-builder.ts';

/**
 * How much of a file a load holds before it writes it as segments, in characters of routed values (plus a
 * little per value): RSS stays near this, whatever the size of the file, and a batch still makes segments
 * large enough that a big file does not become a swarm of small ones.
 */
export const BATCH_CHARS = 8 * 1024 * 1024;

/**
 * Loads a CSV stream into a table: rows are parsed, checked and routed as they arrive, written a batch at a
 * time, and published together at the end (loadBatches); any error, in the file or in a row, removes what
 * the load wrote and leaves the table as it was.
 */
export async function loadCsv(
  ctx: ClusterContext, db: string, table: string, router: RowRouter<string>, source: Readable, opts: CsvOptions, scope: DeadlineScope,
  batchChars = BATCH_CHARS, pool = defaultPool(),
): Promise<number> {
  try {
    // Opening the file wrote nothing, so a deadline passed meanwhile stops the load before it starts.
    checkDeadline(ctx, scope);
    const inThisThread: Sequential = (rest, o, atStart) => batches(router, csvRows(rest, o, atStart), batchChars);
    // Threads read what CsvSplitter reads, cut after a one-byte row delimiter.
    const routed = pool && splitterOptions(opts) && opts.rowDelimiter.charCodeAt(0) < 128
      ? parallelBatches(source, { def: router.table, columns: router.columns, restrictTo: router.restrictTo, csv: opts }, router, batchChars, pool, inThisThread)
      : inThisThread(source, opts, true);
    return await loadBatches(ctx, db, table, routed, scope);
  } finally {
    // A load refused before it read the file (the table is being restored) still closes it.
    source.destroy();
  }
}

/** Rows routed in this thread, a batch at a time. */
export async function* batches(router: RowRouter<string>, parsed: AsyncIterable<(string | null)[][]>, batchChars: number): AsyncGenerator<RoutedLines> {
  let held = 0;
  for await (const rows of parsed) {
    for (const row of rows) {
      held += router.add(row);
      if (held >= batchChars) {
        yield routedLines(router.take(), asLines);
        held = 0;
      }
    }
  }
  if (held > 0) yield routedLines(router.take(), asLines);
}

const asLines = (lines: string[]) => ({ texts: lines, rows: lines.length });
