import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { IntegrityError } from '../domain/errors.ts';
import type { Compressor } from '../ports/compressor.ts';
import { ChunkReader } from './chunk-reader.ts';

/**
 * The format of a compressed blob (`__blobs/<2 hex>/<sha256>.zst`), all integers big-endian:
 *   header, 16 bytes:  "SBZ1" | u32 largest chunk (uncompressed) | u64 size of the whole uncompressed content
 *   then per chunk:    u32 frame length | u32 chunk length (uncompressed) | one zstd frame of that chunk
 * Chunks are compressed independently, so writing and reading hold a chunk or two at a time whatever the
 * blob's size, and each frame is checked against its declared length before and after it is decoded.
 */
export const MAGIC = 'SBZ1';
export const HEADER_BYTES = 16;
/** The chunk this version writes: large enough for zstd's ratio on text, small for memory (4 transfers at once). */
export const CHUNK_BYTES = 1024 * 1024;
/** The largest chunk a reader accepts, and so the memory a forged header can ask for. */
export const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
const FRAME_HEADER = 8;

export function encodeHeader(chunk: number, size: number): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(MAGIC, 0, 'latin1');
  b.writeUInt32BE(chunk, 4);
  b.writeBigUInt64BE(BigInt(size), 8);
  return b;
}

/** The header's chunk limit and content size; IntegrityError if it is not this format's. */
export function decodeHeader(b: Buffer): { chunk: number; size: number } {
  if (b.length < HEADER_BYTES || b.toString('latin1', 0, 4) !== MAGIC) throw new IntegrityError(`not a compressed blob: no ${MAGIC} header`);
  const chunk = b.readUInt32BE(4);
  const size = b.readBigUInt64BE(8);
  if (chunk < 1 || chunk > MAX_CHUNK_BYTES) throw new IntegrityError(`chunk size ${chunk} in the header is not between 1 and ${MAX_CHUNK_BYTES}`);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new IntegrityError(`content size ${size} in the header is too large`);
  return { chunk, size: Number(size) };
}

/**
 * Compresses a blob's content on its way into the repository, checking on the way that it is the content
 * named: the stream fails with IntegrityError at its end (so the put leaves nothing) unless the bytes read
 * hash to `expect.sha256` and number `expect.size`. One chunk is compressed while the next is read.
 */
export async function* compressBlob(
  source: Readable, compressor: Compressor, expect: { sha256: string; size: number }, chunk = CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  try {
    yield encodeHeader(chunk, expect.size);
    yield* frames(source, compressor, expect, chunk);
  } finally {
    // The put destroys what it opened, this generator's stream; the source read under it goes with it.
    source.destroy();
  }
}

async function* frames(source: Readable, compressor: Compressor, expect: { sha256: string; size: number }, chunk: number): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  let pending: Promise<Buffer> | undefined;
  const frame = async (data: Buffer): Promise<Buffer> => {
    const z = await compressor.compress(data);
    const head = Buffer.alloc(FRAME_HEADER);
    head.writeUInt32BE(z.byteLength, 0);
    head.writeUInt32BE(data.length, 4);
    return Buffer.concat([head, z]);
  };
  for await (const data of new ChunkReader(source).chunks(chunk)) {
    hash.update(data);
    size += data.length;
    const next = frame(data);
    if (pending) yield await pending;
    pending = next;
  }
  if (pending) yield await pending;
  const sha256 = hash.digest('hex');
  if (sha256 !== expect.sha256 || size !== expect.size) {
    throw new IntegrityError(`sha256 mismatch compressing blob: expected ${expect.sha256} (${expect.size} bytes), actual ${sha256} (${size} bytes)`);
  }
}

/**
 * The content of a compressed blob, chunk by chunk. Fails with IntegrityError on anything that is not this
 * format: a bad header, a frame longer than its chunk could compress to, a chunk of another length than
 * declared, a blob cut short or with bytes past its last chunk, or a total other than the header's.
 */
export async function* decompressBlob(source: Readable, compressor: Compressor): AsyncGenerator<Buffer> {
  try {
    yield* chunksOf(source, compressor);
  } finally {
    source.destroy();
  }
}

async function* chunksOf(source: Readable, compressor: Compressor): AsyncGenerator<Buffer> {
  const reader = new ChunkReader(source);
  const { chunk, size } = decodeHeader(await reader.exactly(HEADER_BYTES, 'header'));
  // zstd's compressBound of a chunk: its bytes plus 1/256 and a little, for data that does not compress.
  const maxFrame = chunk + (chunk >> 7) + 1024;
  let total = 0;
  for (;;) {
    const head = await reader.upTo(FRAME_HEADER);
    if (head.length === 0) break;
    if (head.length < FRAME_HEADER) throw new IntegrityError('truncated: a chunk header is cut short');
    const frameLength = head.readUInt32BE(0);
    const length = head.readUInt32BE(4);
    if (length < 1 || length > chunk) throw new IntegrityError(`a chunk of ${length} bytes, not between 1 and the header's ${chunk}`);
    if (frameLength < 1 || frameLength > maxFrame) throw new IntegrityError(`a frame of ${frameLength} bytes for a chunk of ${length}`);
    if (total + length > size) throw new IntegrityError(`holds more than the ${size} bytes its header declares`);
    const out = await compressor.decompress(await reader.exactly(frameLength, 'frame'), length);
    total += length;
    yield Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  }
  if (total !== size) throw new IntegrityError(`decompressed size ${total}, but its header declares ${size}`);
}
