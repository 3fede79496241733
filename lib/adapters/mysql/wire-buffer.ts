/**
 * The MySQL protocol's basic types: fixed-length little-endian integers, length-encoded integers and
 * strings, NUL-terminated strings. The reader checks every length against the bytes it has, so a
 * malformed packet is a ProtocolError, never a read past the end.
 */

/** A packet that does not follow the protocol; the connection answers it with an error and closes. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The first byte of a length-encoded NULL in a text row. */
export const NULL_CELL = 0xfb;

export class WireReader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.at;
  }

  private take(n: number, what: string): Buffer {
    if (n < 0 || n > this.remaining) throw new ProtocolError(`Malformed packet: ${what} needs ${n} bytes, ${this.remaining} left`);
    const part = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return part;
  }

  u8(what = 'a byte'): number {
    return this.take(1, what)[0]!;
  }

  u16(what = 'an int<2>'): number {
    return this.take(2, what).readUInt16LE(0);
  }

  u32(what = 'an int<4>'): number {
    return this.take(4, what).readUInt32LE(0);
  }

  bytes(n: number, what = 'a field'): Buffer {
    return this.take(n, what);
  }

  rest(): Buffer {
    return this.take(this.remaining, 'the rest');
  }

  skip(n: number, what = 'filler'): void {
    this.take(n, what);
  }

  /** A length-encoded integer; lengths beyond 2^53 cannot fit any packet and are refused. */
  lenencInt(what = 'a length-encoded int'): number {
    const first = this.u8(what);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16(what);
    if (first === 0xfd) return this.take(3, what).readUIntLE(0, 3);
    if (first === 0xfe) {
      const big = this.take(8, what).readBigUInt64LE(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolError(`Malformed packet: ${what} is too large`);
      return Number(big);
    }
    throw new ProtocolError(`Malformed packet: ${what} starts with 0x${first.toString(16)}`);
  }

  lenencBytes(what = 'a length-encoded string'): Buffer {
    return this.take(this.lenencInt(what), what);
  }

  /** Up to the next NUL (consumed); a string without one is malformed. */
  nulBytes(what = 'a NUL-terminated string'): Buffer {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new ProtocolError(`Malformed packet: ${what} has no terminating NUL`);
    const part = this.buf.subarray(this.at, end);
    this.at = end + 1;
    return part;
  }
}

/** Builds one payload; packet framing is PacketWriter's job. */
export class WireWriter {
  private readonly parts: Buffer[] = [];

  u8(n: number): this {
    return this.push(Buffer.of(n & 0xff));
  }

  u16(n: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return this.push(b);
  }

  u32(n: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return this.push(b);
  }

  bytes(b: Buffer | string): this {
    return this.push(typeof b === 'string' ? Buffer.from(b, 'utf8') : b);
  }

  zeros(n: number): this {
    return this.push(Buffer.alloc(n));
  }

  nulString(s: string | Buffer): this {
    return this.bytes(s).u8(0);
  }

  lenencInt(n: number): this {
    if (n < 0xfb) return this.u8(n);
    if (n < 0x10000) return this.u8(0xfc).u16(n);
    if (n < 0x1000000) {
      const b = Buffer.alloc(3);
      b.writeUIntLE(n, 0, 3);
      return this.u8(0xfd).push(b);
    }
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    return this.u8(0xfe).push(b);
  }

  lenencString(s: string | Buffer): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    return this.lenencInt(b.length).push(b);
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
}
