import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type CsvOptions, MAX_RECORD_CHARS } from './csv.ts';
import type { Block, BlockResult, BlockSetup } from './csv-block.ts';
import { addLines, type RoutedLines } from './load.ts';
import type { RowRouter } from './row-builder.ts';

/** How a load spreads over threads: how many, and the size of the file's pieces each reads. */
export interface PoolOptions { workers: number; blockBytes: number }

/**
 * One thread per core, up to four: on one core the threads would only take turns. Pieces of 1 MiB: enough
 * to keep a thread busy for a while, few enough in flight (two per thread) to keep memory flat.
 */
export function defaultPool(): PoolOptions | undefined {
  const workers = Math.min(4, availableParallelism());
  return workers < 2 ? undefined : { workers, blockBytes: 1024 * 1024 };
}

/** The rest of the load, in this thread: the bytes not yet routed, then the rest of the file. */
export type Sequential = (rest: Readable, o: CsvOptions, atStart: boolean) => AsyncIterable<RoutedLines>;

/**
 * A CSV load spread over threads. The file is cut into pieces after a row delimiter, each read, checked,
 * routed and encoded by a thread (csv-block.ts), and the results taken back in the file's order, so rows
 * are numbered and RANDOM buckets turned as one thread would. A cut is a record's end only when the piece
 * before it ended on one: a piece that did not (a quoted field holding a newline at the cut), or that
 * failed (a bad row, a quote left open), and every piece after it, are read again from its first byte in
 * this thread, which gives one thread's rows, and its exact error with the row's number in the file.
 */
export async function* parallelBatches(
  source: Readable, setup: BlockSetup, router: RowRouter<string>, batchChars: number, pool: PoolOptions, sequential: Sequential,
): AsyncGenerator<RoutedLines> {
  const o = setup.csv;
  const rowByte = o.rowDelimiter.charCodeAt(0);
  const reader = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let leftover: Buffer = Buffer.alloc(0);
  let ended = false;
  /** The next piece: whole lines, or at the end of the file whatever is left; undefined when nothing is. */
  const nextBlock = async (): Promise<Buffer | undefined> => {
    const parts: Buffer[] = [leftover];
    let size = leftover.length;
    let seen = leftover.includes(rowByte);
    // A record longer than a piece makes the piece longer, up to the longest record a load takes: past
    // that, the piece goes as it is, its thread finds no record's end, and this thread says why.
    while (!ended && (size < pool.blockBytes || !seen) && size <= MAX_RECORD_CHARS) {
      const r = await reader.next();
      if (r.done) ended = true;
      else {
        parts.push(r.value);
        size += r.value.length;
        seen ||= r.value.includes(rowByte);
      }
    }
    const buf = Buffer.concat(parts, size);
    const cut = ended ? buf.length - 1 : buf.lastIndexOf(rowByte);
    if (cut < 0) {
      leftover = Buffer.alloc(0);
      return buf.length > 0 ? buf : undefined;
    }
    leftover = buf.subarray(cut + 1);
    return buf.subarray(0, cut + 1);
  };
  const rest = (first: Buffer[]): Readable => Readable.from((async function* () {
    for (const b of first) if (b.length > 0) yield b;
    for (let r = await reader.next(); !r.done; r = await reader.next()) yield r.value;
  })());

  const head = await nextBlock();
  if (!head) return;
  // A file of one piece gains nothing from threads; a UTF-16 one is read by csv.ts alone.
  const threads = ended || (head[0] === 0xff && head[1] === 0xfe) ? [] : startThreads(setup, pool.workers);
  if (threads.length === 0) {
    yield* sequential(rest([head, leftover]), o, true);
    return;
  }
  const inFlight: { block: Block; result: Promise<BlockResult> }[] = [];
  let id = 0;
  let pending: Buffer | undefined = head;
  let offset = router.count;
  let batch: RoutedLines = new Map();
  let held = 0;
  const { buckets, type } = setup.def.distribution;
  try {
    for (;;) {
      while (pending && inFlight.length < 2 * threads.length) {
        const last = ended && leftover.length === 0;
        const block: Block = { id, bytes: pending, first: id === 0, last };
        inFlight.push({ block, result: threads[id % threads.length]!.route(block) });
        id++;
        pending = last ? undefined : await nextBlock();
      }
      const next = inFlight.shift();
      if (!next) break;
      const r = await next.result;
      if (!r.ok || (!next.block.last && r.rest > 0)) {
        for (const t of threads) t.stop();
        if (held > 0) yield batch;
        router.count = offset;
        const unread = [next.block.bytes, ...inFlight.map((f) => f.block.bytes), ...(pending ? [pending] : []), leftover] as Buffer[];
        yield* sequential(rest(unread), next.block.first ? o : { ...o, skipHeader: 0 }, next.block.first);
        return;
      }
      for (const [part, bucket, text, rows] of r.buckets) {
        addLines(batch, part, type === 'HASH' ? bucket : (bucket + offset) % buckets, { texts: [text], rows });
        // As RowRouter counts: characters (bytes here), and a little per row.
        held += text.byteLength + 64 * rows;
      }
      offset += r.rows;
      if (held >= batchChars) {
        yield batch;
        batch = new Map();
        held = 0;
      }
    }
    router.count = offset;
    if (held > 0) yield batch;
  } finally {
    for (const t of threads) t.stop();
  }
}

interface Thread { route(block: Block): Promise<BlockResult>; stop(): void }

/**
 * The threads, or none when their code is not there (a Lambda bundle of functions/ holds only the handler).
 * From the sources (tests, bench scripts) the thread's code is TypeScript, which tsx compiles once registered.
 */
function startThreads(setup: BlockSetup, count: number): Thread[] {
  const here = import.meta.url;
  // A small young generation: a thread encodes a piece's rows a 64 KiB part at a time (block-text.ts), so
  // they die young, and 16 MB loads as fast as 96 MB did (which rows held to the piece's end needed) with
  // about 70 MB less resident in a 300 MiB load.
  const options = { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 16 } };
  const make = (): Worker | undefined => {
    if (here.endsWith('.ts')) {
      const entry = new URL('./csv-block-worker.ts', here).href;
      return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { ...options, eval: true });
    }
    const entry = new URL('./csv-block-worker.js', here);
    return existsSync(fileURLToPath(entry)) ? new Worker(entry, options) : undefined;
  };
  const threads: Thread[] = [];
  for (let i = 0; i < count; i++) {
    const worker = make();
    if (!worker) break;
    threads.push(thread(worker));
  }
  return threads;
}

/** A worker's blocks answered in the order sent; a worker that fails or stops fails those it holds. */
function thread(worker: Worker): Thread {
  const waiting: { id: number; resolve: (r: BlockResult) => void }[] = [];
  const failAll = (reason: string) => {
    for (const w of waiting.splice(0)) w.resolve({ id: w.id, ok: false, reason });
  };
  worker.on('message', (r: BlockResult) => waiting.shift()?.resolve(r));
  worker.on('error', (e) => failAll(e.message));
  worker.on('exit', () => failAll('the thread stopped'));
  return {
    route: (block) => new Promise((resolve) => {
      waiting.push({ id: block.id, resolve });
      worker.postMessage(block);
    }),
    stop: () => void worker.terminate(),
  };
}
