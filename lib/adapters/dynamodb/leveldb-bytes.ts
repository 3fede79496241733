/** Reading LevelDB's encodings (varints, length-prefixed slices, block handles) from a byte range. */
export class Damage extends Error {}

export class ByteReader {
  constructor(readonly bytes: Uint8Array, public pos = 0, readonly end = bytes.length) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Damage('truncated value');
    return this.bytes[this.pos++]!;
  }

  /** A varint of up to 64 bits, exact up to 2^53 (file numbers and sizes stay far below). */
  varint(): number {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Damage('bad varint');
  }

  slice(length: number): Uint8Array {
    if (length > this.end - this.pos) throw new Damage('truncated value');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  lengthPrefixed(): Uint8Array {
    return this.slice(this.varint());
  }
}

export function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
