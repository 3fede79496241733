import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A stream of `size` pseudo-random bytes in chunks, and the sha256 it will hash to. */
export function randomStream(size: number, chunkSize = 64 * 1024): { stream: Readable; bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  const chunks: Buffer[] = [];
  for (let off = 0; off < size; off += chunkSize) chunks.push(bytes.subarray(off, off + chunkSize));
  return { stream: Readable.from(chunks), bytes, sha256: sha256Of(bytes) };
}

/** A stream that yields some bytes and then fails, as a dropped upload does. */
export function failingStream(beforeFailure: Buffer, error = new Error('source went away')): Readable {
  return Readable.from(
    (async function* () {
      yield beforeFailure;
      throw error;
    })(),
  );
}

export function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
