import CRC32C from 'crc-32/crc32c.js';

/** CRC-32C (Castagnoli), the checksum LevelDB keeps for every table block and log record (crc-32's). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return CRC32C.buf(bytes.subarray(start, end)) >>> 0;
}

/** LevelDB stores `mask(crc)` so that a CRC of data that itself holds CRCs is not degenerate. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
