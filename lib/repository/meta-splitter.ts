import { createHash, type Hash } from 'node:crypto';
import { IntegrityError } from '../domain/errors.ts';

/**
 * What a sealed `__meta` holds, found as its bytes stream by: each field of the envelope and of its body as
 * raw JSON text, except the body's `tables`, whose elements come one by one. JSON.parse reads every piece;
 * this only finds where pieces start and end (strings, escapes, nesting), so a snapshot of a million
 * segments is never one string or one object. Hand-written because the streaming JSON parsers on npm build
 * a token per value in JavaScript, several times slower than JSON.parse of each table.
 */
export type MetaPiece =
  | { kind: 'field'; in: 'envelope' | 'body'; key: string; text: string }
  | { kind: 'table'; text: string };

/** One piece (a table's metadata) larger than this is refused rather than buffered. */
export const MAX_PIECE_BYTES = 256 * 1024 * 1024;

const QUOTE = 0x22, BACKSLASH = 0x5c, LBRACE = 0x7b, RBRACE = 0x7d, LBRACKET = 0x5b, RBRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

const S = {
  OPEN: 0, KEY_OR_CLOSE: 1, KEY: 2, COLON: 3, VALUE: 4, AFTER_VALUE: 5, ELEMENT_OR_CLOSE: 6, ELEMENT: 7, AFTER_ELEMENT: 8, DONE: 9,
} as const;
type StateValue = (typeof S)[keyof typeof S];

type Target = { kind: 'key' } | { kind: 'field'; key: string } | { kind: 'table' };

interface Capture {
  target: Target;
  parts: Uint8Array[];
  start: number;
  size: number;
  depth: number;
  inString: boolean;
  escaped: boolean;
  scalar: boolean;
}

export class MetaSplitter {
  private state: StateValue = S.OPEN;
  private level: 'envelope' | 'body' = 'envelope';
  private key = '';
  private readonly keys = { envelope: new Set<string>(), body: new Set<string>() };
  private capture: Capture | undefined;
  private out: MetaPiece[] = [];
  /** sha256 of the body's text, from its `{` to its `}`: what the envelope's checksum covers. */
  private readonly bodyHash: Hash = createHash('sha256');
  private bodyFrom = -1;

  constructor(private readonly what: string, private readonly maxPiece = MAX_PIECE_BYTES) {}

  /** The pieces completed by this chunk, in order. Throws IntegrityError at the first byte out of place. */
  feed(chunk: Uint8Array): MetaPiece[] {
    this.out = [];
    const n = chunk.length;
    for (let i = 0; i < n; ) {
      if (this.capture) i = this.scan(chunk, i);
      else if (isSpace(chunk[i]!)) i++;
      else i = this.step(chunk, i);
    }
    if (this.capture) this.keep(chunk.subarray(this.capture.start));
    if (this.bodyFrom >= 0) {
      this.bodyHash.update(chunk.subarray(this.bodyFrom));
      this.bodyFrom = 0;
    }
    return this.out;
  }

  /** Whether the body had a `tables` array (its elements came as `table` pieces). */
  get sawTables(): boolean {
    return this.keys.body.has('tables');
  }

  /** Whether the envelope had a body (its fields came as `field` pieces in `body`). */
  get sawBody(): boolean {
    return this.keys.envelope.has('body');
  }

  /** After the last chunk: the sha256 of the body's text. Throws when the document is not complete. */
  end(): string {
    if (this.state !== S.DONE || this.capture) throw this.corrupt();
    return this.bodyHash.digest('hex');
  }

  private corrupt(): IntegrityError {
    return new IntegrityError(`${this.what} is corrupt: not valid JSON`);
  }

  /** One structural byte outside any captured value; returns the index to go on from. */
  private step(chunk: Uint8Array, i: number): number {
    const b = chunk[i]!;
    switch (this.state) {
      case S.OPEN:
        if (b !== LBRACE) throw this.corrupt();
        this.state = S.KEY_OR_CLOSE;
        return i + 1;
      case S.KEY_OR_CLOSE:
      case S.KEY:
        if (b === RBRACE && this.state === S.KEY_OR_CLOSE) return this.closeObject(chunk, i);
        if (b !== QUOTE) throw this.corrupt();
        return this.begin(chunk, i, { kind: 'key' });
      case S.COLON:
        if (b !== COLON) throw this.corrupt();
        this.state = S.VALUE;
        return i + 1;
      case S.VALUE:
        if (this.level === 'envelope' && this.key === 'body') {
          if (b !== LBRACE) throw this.corrupt();
          this.level = 'body';
          this.bodyFrom = i;
          this.state = S.KEY_OR_CLOSE;
          return i + 1;
        }
        if (this.level === 'body' && this.key === 'tables') {
          if (b !== LBRACKET) throw this.corrupt();
          this.state = S.ELEMENT_OR_CLOSE;
          return i + 1;
        }
        return this.begin(chunk, i, { kind: 'field', key: this.key });
      case S.AFTER_VALUE:
        if (b === COMMA) {
          this.state = S.KEY;
          return i + 1;
        }
        if (b === RBRACE) return this.closeObject(chunk, i);
        throw this.corrupt();
      case S.ELEMENT_OR_CLOSE:
      case S.ELEMENT:
        if (b === RBRACKET && this.state === S.ELEMENT_OR_CLOSE) {
          this.state = S.AFTER_VALUE;
          return i + 1;
        }
        return this.begin(chunk, i, { kind: 'table' });
      case S.AFTER_ELEMENT:
        if (b === COMMA) this.state = S.ELEMENT;
        else if (b === RBRACKET) this.state = S.AFTER_VALUE;
        else throw this.corrupt();
        return i + 1;
      default:
        throw this.corrupt(); // anything after the document
    }
  }

  private closeObject(chunk: Uint8Array, i: number): number {
    if (this.level === 'body') {
      this.bodyHash.update(chunk.subarray(this.bodyFrom, i + 1));
      this.bodyFrom = -1;
      this.level = 'envelope';
      this.state = S.AFTER_VALUE;
    } else {
      this.state = S.DONE;
    }
    return i + 1;
  }

  private begin(chunk: Uint8Array, i: number, target: Target): number {
    const b = chunk[i]!;
    const container = b === LBRACE || b === LBRACKET;
    this.capture = { target, parts: [], start: i, size: 0, depth: container ? 1 : 0, inString: b === QUOTE, escaped: false, scalar: !container && b !== QUOTE };
    return i + 1;
  }

  /** Scans a captured value from `i`; returns where it ended (the chunk's end when it goes on). */
  private scan(chunk: Uint8Array, i: number): number {
    const c = this.capture!;
    const n = chunk.length;
    for (; i < n; i++) {
      const b = chunk[i]!;
      if (c.inString) {
        if (c.escaped) c.escaped = false;
        else if (b === BACKSLASH) c.escaped = true;
        else if (b === QUOTE) {
          c.inString = false;
          if (c.depth === 0) return this.finish(chunk, i + 1);
        }
      } else if (c.scalar) {
        // A number, true, false or null ends at the byte after it, which belongs to the structure.
        if (isSpace(b) || b === COMMA || b === RBRACE || b === RBRACKET) return this.finish(chunk, i);
      } else if (b === QUOTE) c.inString = true;
      else if (b === LBRACE || b === LBRACKET) c.depth++;
      else if ((b === RBRACE || b === RBRACKET) && --c.depth === 0) return this.finish(chunk, i + 1);
    }
    return n;
  }

  private keep(part: Uint8Array): void {
    const c = this.capture!;
    c.size += part.length;
    if (c.size > this.maxPiece) throw new IntegrityError(`${this.what} is corrupt: one of its values is over ${this.maxPiece} bytes`);
    c.parts.push(part);
    c.start = 0;
  }

  private finish(chunk: Uint8Array, end: number): number {
    const c = this.capture!;
    this.keep(chunk.subarray(c.start, end));
    this.capture = undefined;
    const one = c.parts[0]!;
    const text = (c.parts.length === 1 ? Buffer.from(one.buffer, one.byteOffset, one.byteLength) : Buffer.concat(c.parts)).toString('utf8');
    const t = c.target;
    if (t.kind === 'key') {
      const key = this.parse(text);
      if (typeof key !== 'string' || this.keys[this.level].has(key)) throw this.corrupt();
      this.keys[this.level].add(key);
      this.key = key;
      this.state = S.COLON;
    } else if (t.kind === 'field') {
      this.out.push({ kind: 'field', in: this.level, key: t.key, text });
      this.state = S.AFTER_VALUE;
    } else {
      this.out.push({ kind: 'table', text });
      this.state = S.AFTER_ELEMENT;
    }
    return end;
  }

  private parse(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw this.corrupt();
    }
  }
}
