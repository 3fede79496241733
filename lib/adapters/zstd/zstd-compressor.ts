import { IntegrityError, errorMessage } from '../../domain/errors.ts';
import type { Compressor } from '../../ports/compressor.ts';
import { checkZstdFrame } from './zstd-frame.ts';

/** zstd's default level: about restic's ratio on text at several hundred MB/s per core. */
export const ZSTD_LEVEL = 3;

type Binding = typeof import('@mongodb-js/zstd');
let binding: Promise<Binding> | undefined;

/**
 * zstd through @mongodb-js/zstd (napi-rs; its binaries ship in per-platform npm packages, x64 and arm64).
 * Loaded on first use, so statements that never compress do not pay for it. Work runs on libuv's pool.
 */
export function zstdCompressor(level = ZSTD_LEVEL): Compressor {
  const load = () => (binding ??= import('@mongodb-js/zstd'));
  return {
    async compress(chunk) {
      return (await load()).compress(asBuffer(chunk), level);
    },
    async decompress(frame, size) {
      // Room for the compressor's own block split past the exact size: the bound is a guard, not a check.
      checkZstdFrame(frame, 2 * size + 128 * 1024);
      let out: Buffer;
      try {
        out = await (await load()).decompress(asBuffer(frame));
      } catch (e) {
        throw new IntegrityError(`not a valid zstd frame: ${errorMessage(e)}`);
      }
      if (out.length !== size) throw new IntegrityError(`a zstd frame holds ${out.length} bytes, expected ${size}`);
      return out;
    },
  };
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
