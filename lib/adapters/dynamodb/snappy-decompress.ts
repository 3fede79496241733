/**
 * Raw Snappy decompression (the format LevelDB compresses table blocks with), enough to read a table's
 * index. Throws on any malformed input instead of guessing.
 */
export function snappyDecompress(input: Uint8Array): Uint8Array {
  let pos = 0;
  const byte = (): number => {
    if (pos >= input.length) throw new Error('snappy input ends early');
    return input[pos++]!;
  };
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const b = byte();
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    if (shift >= 28) throw new Error('snappy length is too long');
  }
  const out = new Uint8Array(length);
  let o = 0;
  const littleEndian = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v += byte() * 2 ** (8 * i);
    return v;
  };
  while (pos < input.length) {
    const tag = byte();
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) len = littleEndian(len - 59);
      len += 1;
      if (pos + len > input.length || o + len > length) throw new Error('snappy literal overruns');
      out.set(input.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | byte();
    } else {
      len = (tag >>> 2) + 1;
      offset = littleEndian(kind === 2 ? 2 : 4);
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy copy is out of range');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new Error('snappy output is shorter than its stated length');
  return out;
}
