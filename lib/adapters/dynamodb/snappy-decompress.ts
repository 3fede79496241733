import { uncompress } from 'snappyjs';

/** LevelDB's blocks are at most a few MiB; a stated length beyond this is damage, not data to allocate. */
const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** Raw Snappy decompression (how LevelDB compresses table blocks), by snappyjs; malformed input throws. */
export function snappyDecompress(input: Uint8Array): Uint8Array {
  return uncompress(input, MAX_BLOCK_BYTES);
}
