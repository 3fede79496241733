import type { Readable } from 'node:stream';
import { IntegrityError } from '../domain/errors.ts';

/** Reads a stream in pieces of chosen sizes, copying only what spans the stream's own chunks. */
export class ChunkReader {
  private readonly it: AsyncIterator<Buffer | string>;
  private buffered: Buffer[] = [];
  private length = 0;
  private done = false;

  constructor(source: Readable) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** The next `n` bytes, or fewer only at the end of the stream (none when it has ended). */
  async upTo(n: number): Promise<Buffer> {
    while (this.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else {
        const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
        this.buffered.push(b);
        this.length += b.length;
      }
    }
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.length);
    const take = Math.min(n, all.length);
    const rest = all.subarray(take);
    this.buffered = rest.length ? [rest] : [];
    this.length = rest.length;
    return all.subarray(0, take);
  }

  /** Exactly `n` bytes of `what`; IntegrityError if the stream ends first. */
  async exactly(n: number, what: string): Promise<Buffer> {
    const b = await this.upTo(n);
    if (b.length < n) throw new IntegrityError(`truncated: its ${what} is cut short (${b.length} of ${n} bytes)`);
    return b;
  }

  /** The rest of the stream in pieces of `n` bytes (the last one shorter). */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    for (;;) {
      const b = await this.upTo(n);
      if (b.length === 0) return;
      yield b;
    }
  }
}
