import { IntegrityError } from '../../domain/errors.ts';

/** The most one zstd block decodes to (RFC 8878 §3.1.1.2.4, Block_Maximum_Size). */
const BLOCK_MAX = 128 * 1024;
const MAGIC = 0xfd2fb528;

/**
 * Walks one zstd frame (RFC 8878 §3.1.1) without decoding it, and bounds what it can decode to: the sum of
 * its raw and RLE blocks' sizes plus 128 KiB per compressed block. The binding writes no content size and
 * decodes into a growing buffer, so a forged frame of a few KiB could otherwise unpack to gigabytes; a frame
 * whose bound exceeds `limit`, or that is not exactly one frame, is refused before it is decoded.
 */
export function checkZstdFrame(frame: Uint8Array, limit: number): void {
  const bad = (why: string): never => {
    throw new IntegrityError(`not a valid zstd frame: ${why}`);
  };
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < 6 || buf.readUInt32LE(0) !== MAGIC) bad('no zstd magic number');
  const fhd = buf[4]!;
  if (fhd & 0x08) bad('reserved bit set');
  const single = (fhd >> 5) & 1;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fhd >> 6]!;
  let at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcsBytes;
  let bound = 0;
  for (let last = false; !last;) {
    if (at + 3 > buf.length) bad('truncated block header');
    const header = buf.readUIntLE(at, 3);
    at += 3;
    last = (header & 1) === 1;
    const type = (header >> 1) & 3;
    const size = header >> 3;
    if (type === 3) bad('reserved block type');
    if (size > BLOCK_MAX) bad(`block of ${size} bytes`);
    // Raw: its bytes follow; RLE: one byte repeated `size` times; compressed: `size` bytes of input.
    at += type === 1 ? 1 : size;
    bound += type === 2 ? BLOCK_MAX : size;
    if (bound > limit) bad(`it may hold more than the ${limit} bytes expected`);
  }
  if (fhd & 0x04) at += 4;
  if (at !== buf.length) bad(at > buf.length ? 'truncated' : 'bytes after the frame');
}
