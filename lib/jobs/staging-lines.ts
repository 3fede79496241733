import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Staging documents that grow with the number of segments are newline-delimited JSON, written and read one
 * line at a time, so a plan of a million segments never becomes one string or one object in memory.
 */
const CHUNK_CHARS = 256 * 1024;

export class LineWriter {
  private readonly stream = new PassThrough();
  private readonly written: Promise<unknown>;
  private failed: unknown;
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(store: ObjectStore, key: string) {
    // A one-shot body (see PutBody): the lines exist only as the producer writes them, so a put that fails
    // is not retried by the store; the phase fails and its Task's Retry writes the document again whole.
    this.written = store.put(key, this.stream).catch((e: unknown) => {
      this.failed = e;
      throw e;
    });
    // Failures surface from write(), close() and the store's put, not as unhandled events.
    this.written.catch(() => undefined);
    this.stream.on('error', () => undefined);
  }

  /** Writes one line: `value` as JSON, or a string that already is JSON. */
  async write(value: unknown): Promise<void> {
    if (this.failed) throw this.failed;
    const line = `${typeof value === 'string' ? value : JSON.stringify(value)}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    // Lines go out in chunks: a store write per line would cost a system call per segment.
    if (this.pendingChars >= CHUNK_CHARS) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await this.written;
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (this.stream.write(chunk)) return;
    // Whichever comes first: room to write, or the store's failure. A destroyed stream rejects the wait.
    await Promise.race([once(this.stream, 'drain').catch(() => undefined), this.written]);
    if (this.failed) throw this.failed;
  }

  /** Abandons the document: the store's all-or-nothing put leaves nothing of it. */
  async abort(reason: unknown): Promise<void> {
    this.stream.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    // The put fails because of the destroy; the caller throws the reason itself.
    await this.written.catch(() => undefined);
  }
}

/** The raw lines of a document, in order; empty lines are skipped. */
export async function* readLines(store: ObjectStore, key: string): AsyncGenerator<string> {
  const input = await store.get(key);
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.length) yield line;
  } finally {
    // A reader that stops early (the header alone) must not leave the file open.
    input.destroy();
  }
}

/** Runs `fill` with writers for the named keys; all of them are written, or none. */
export async function writeLineDocs(store: ObjectStore, keys: string[], fill: (writers: LineWriter[]) => Promise<void>): Promise<void> {
  const writers = keys.map((k) => new LineWriter(store, k));
  try {
    await fill(writers);
  } catch (e) {
    await Promise.all(writers.map((w) => w.abort(e)));
    throw e;
  }
  await Promise.all(writers.map((w) => w.close()));
}
