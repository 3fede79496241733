import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { compress as rawCompress } from '@mongodb-js/zstd';
import { describe, expect, it } from 'vitest';
import { zstdCompressor } from '../../lib/adapters/zstd/zstd-compressor.ts';
import { readBytes } from '../../lib/ports/object-io.ts';
import { HEADER_BYTES, compressBlob, decompressBlob, encodeHeader } from '../../lib/repository/compressed-blob.ts';

/** The compressed blob format (compressed-blob.ts) with the real zstd binding, in small chunks. */
const z = zstdCompressor();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i} of some text ${i % 13}\n`).join(''));
/** The source in pieces that do not line up with the chunks. */
const source = (b: Buffer) => Readable.from(Array.from({ length: Math.ceil(b.length / 777) }, (_, i) => b.subarray(i * 777, (i + 1) * 777)));
const packed = async (b: Buffer, chunk = 4096) => readBytes(Readable.from(compressBlob(source(b), z, { sha256: sha(b), size: b.length }, chunk)));
const unpacked = async (b: Buffer) => readBytes(Readable.from(decompressBlob(Readable.from([b]), z)));

describe('compressed blobs', () => {
  it('round-trips in independent chunks, smaller than the text', async () => {
    const blob = await packed(text);
    expect(blob.subarray(0, 4).toString()).toBe('SBZ1');
    expect(blob.readUInt32BE(4)).toBe(4096);
    expect(Number(blob.readBigUInt64BE(8))).toBe(text.length);
    expect(blob.length).toBeLessThan(text.length / 3);
    expect((await unpacked(blob)).equals(text)).toBe(true);
    // The empty blob is a header alone.
    expect(await packed(Buffer.alloc(0))).toEqual(encodeHeader(4096, 0));
    expect((await unpacked(encodeHeader(4096, 0))).length).toBe(0);
  });

  it('refuses content that is not the one named (the put then leaves nothing)', async () => {
    const wrong = compressBlob(source(text), z, { sha256: sha(Buffer.from('other')), size: text.length });
    await expect(readBytes(Readable.from(wrong))).rejects.toThrow(`sha256 mismatch compressing blob: expected ${sha(Buffer.from('other'))} (${text.length} bytes), actual ${sha(text)} (${text.length} bytes)`);
  });

  it('refuses damaged blobs with a message saying what is wrong', async () => {
    const blob = await packed(text);
    await expect(unpacked(Buffer.from('plain bytes, not a compressed blob'))).rejects.toThrow('not a compressed blob: no SBZ1 header');
    await expect(unpacked(blob.subarray(0, blob.length - 3))).rejects.toThrow(/^truncated: its frame is cut short/);
    await expect(unpacked(blob.subarray(0, HEADER_BYTES + 5))).rejects.toThrow('truncated: a chunk header is cut short');
    const longer = Buffer.from(blob);
    longer.writeBigUInt64BE(BigInt(text.length + 1), 8);
    await expect(unpacked(longer)).rejects.toThrow(`decompressed size ${text.length}, but its header declares ${text.length + 1}`);
    const shorter = Buffer.from(blob);
    shorter.writeBigUInt64BE(10n, 8);
    await expect(unpacked(shorter)).rejects.toThrow('holds more than the 10 bytes its header declares');
    const hugeChunk = Buffer.from(blob);
    hugeChunk.writeUInt32BE(64 * 1024 * 1024, 4);
    await expect(unpacked(hugeChunk)).rejects.toThrow('chunk size 67108864 in the header is not between 1 and 8388608');
    const lied = Buffer.from(blob);
    lied.writeUInt32BE(4000, HEADER_BYTES + 4); // the first chunk says 4000 bytes, its frame holds 4096
    await expect(unpacked(lied)).rejects.toThrow('a zstd frame holds 4096 bytes, expected 4000');
    const flipped = Buffer.from(blob);
    flipped[HEADER_BYTES + 8] = 0; // the zstd magic number of the first frame
    await expect(unpacked(flipped)).rejects.toThrow('not a valid zstd frame: no zstd magic number');
  });

  it('refuses, before decoding it, a frame that could unpack to far more than its chunk (a zstd bomb)', async () => {
    // 64 MiB of zeros compress to a few KiB; declared as a 4096-byte chunk it would otherwise be decoded whole.
    const bomb = await rawCompress(Buffer.alloc(64 * 1024 * 1024), 3);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(bomb.length, 0);
    head.writeUInt32BE(4096, 4);
    const blob = Buffer.concat([encodeHeader(4096, 4096), head, bomb]);
    await expect(unpacked(blob)).rejects.toThrow(/^not a valid zstd frame: it may hold more than the \d+ bytes expected$/);
    // Two frames in one chunk's place are refused too.
    const one = await rawCompress(Buffer.alloc(100, 1), 3);
    head.writeUInt32BE(2 * one.length, 0);
    head.writeUInt32BE(200, 4);
    await expect(unpacked(Buffer.concat([encodeHeader(4096, 200), head, one, one]))).rejects.toThrow('not a valid zstd frame: bytes after the frame');
  });

  it('reads back through a stream of any piece size', async () => {
    const blob = await packed(text, 1000);
    const pieces = Readable.from(Array.from({ length: blob.length }, (_, i) => blob.subarray(i, i + 1)));
    expect((await readBytes(Readable.from(decompressBlob(pieces, z)))).equals(text)).toBe(true);
  });
});
