import { StringDecoder } from 'node:string_decoder';

/**
 * Text of a parallel load's piece, in and out, in parts small enough for V8's young generation. A
 * 1 MiB piece decoded as one string, and a bucket's lines made as one, were each a large object: a fresh
 * mapping of memory to fault in, flatten and unmap again, which was a third of a load's CPU time (system
 * time and page faults) on top of the collections.
 */
const PART_BYTES = 64 * 1024;
/** Rows encoded at a time: a JSON text of some tens of KiB. */
const ROWS_AT_ONCE = 256;

/**
 * Gives `take` the piece's text in parts (characters cut between parts are joined by the decoder), a byte
 * order mark at the start of the first piece left out, with whether `probe` appeared in the text so far.
 */
export function readBlockText(bytes: Uint8Array, first: boolean, probe: string, take: (text: string, probeSeen: boolean) => void): void {
  const decoder = new StringDecoder('utf8');
  let found = false;
  let tail = '';
  const give = (text: string) => {
    if (text.length === 0) return;
    // A probe across two parts is in the end of one and the start of the next.
    found ||= (tail + text.slice(0, probe.length - 1)).includes(probe) || text.includes(probe);
    tail = (tail + text).slice(-(probe.length - 1));
    take(text, found);
  };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < view.length; at += PART_BYTES) {
    let text = decoder.write(view.subarray(at, at + PART_BYTES));
    if (first && at === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    give(text);
  }
  give(decoder.end());
}

/**
 * A bucket's lines as UTF-8 bytes, added a few rows at a time as the piece is read, so that rows die
 * young: held whole until the piece's end, they outlived young collections and were copied into the old
 * generation. `bytes` gives them in an ArrayBuffer of their own, which a thread can transfer.
 */
export class LinesSink {
  rows = 0;
  private buffer = new Uint8Array(16 * 1024);
  private length = 0;

  add<T>(rows: T[], text: (rows: T[]) => string): void {
    for (let i = 0; i < rows.length; i += ROWS_AT_ONCE) {
      const piece = `${this.rows > 0 || i > 0 ? '\n' : ''}${text(rows.slice(i, i + ROWS_AT_ONCE))}`;
      // Three bytes per UTF-16 unit is the most UTF-8 takes.
      if (this.buffer.length - this.length < piece.length * 3) this.grow(this.length + piece.length * 3);
      this.length += utf8.encodeInto(piece, this.buffer.subarray(this.length)).written;
    }
    this.rows += rows.length;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private grow(needed: number): void {
    const next = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

const utf8 = new TextEncoder();
