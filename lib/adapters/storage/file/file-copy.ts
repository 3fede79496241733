import { type Hash, createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { copyInThread } from './file-copy-pool.ts';
import { droppedBuffers } from '../dropped-buffers.ts';
import type { FileSource } from '../file-source.ts';

/** Bytes per read, hash update and write: a 1 GiB copy is 1,024 of each. */
const COPY_CHUNK = 1 << 20;

/** Buffers kept for the next copy; more copies than this at once simply allocate (and drop) their own. */
const POOL_MAX = 8;
const pool: Buffer[] = [];

/**
 * Copies the source's bytes to `to` (a fresh file) and hashes them: in a copy thread when there is one
 * (file-copy-pool.ts), else here, one buffer per copy taken from and given back to a small pool.
 */
export async function copyFileSource(from: FileSource, to: FileHandle): Promise<{ size: number; sha256: string }> {
  const threaded = copyInThread({ from: from.handle.fd, start: from.start, end: from.end, to: to.fd });
  if (!threaded) {
    const hash = createHash('sha256');
    const size = await copyHere(from, to, hash);
    return { size, sha256: hash.digest('hex') };
  }
  const o = await threaded;
  if (o.ok) return { size: o.size, sha256: o.sha256 };
  // As fs/promises fails: the code says whether it is worth another try (file-errors.ts).
  throw Object.assign(new Error(o.message), { code: o.code, syscall: o.syscall });
}

async function copyHere(from: FileSource, to: FileHandle, hash: Hash): Promise<number> {
  const buf = pool.pop() ?? Buffer.allocUnsafeSlow(COPY_CHUNK);
  try {
    let pos = from.start;
    while (pos < from.end) {
      const { bytesRead } = await from.handle.read(buf, 0, Math.min(buf.length, from.end - pos), pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      for (let off = 0; off < bytesRead; ) off += (await to.write(chunk, off, bytesRead - off)).bytesWritten;
      pos += bytesRead;
    }
    return pos - from.start;
  } finally {
    if (pool.length < POOL_MAX) pool.push(buf);
  }
}

/**
 * Writes a stream's chunks to `to` gathered into one pooled buffer, a write (and a hash update) per full
 * buffer: a download from S3 arrives in chunks of 16–64 KiB, and writing each one was 8,700 write calls
 * for 391 MiB, about a third of a restore's CPU. A download's socket buffers (`fromSocket`) are counted
 * for dropped-buffers.ts as they are copied.
 */
export async function copyChunks(chunks: AsyncIterable<Buffer>, to: FileHandle, hash: Hash, fromSocket = false): Promise<number> {
  const buf = pool.pop() ?? Buffer.allocUnsafeSlow(COPY_CHUNK);
  let filled = 0;
  let size = 0;
  const flush = async () => {
    const chunk = buf.subarray(0, filled);
    hash.update(chunk);
    for (let off = 0; off < filled; ) off += (await to.write(chunk, off, filled - off)).bytesWritten;
    filled = 0;
  };
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (fromSocket) droppedBuffers(chunk.length);
      // A chunk as large as the buffer goes as it is, after what was gathered.
      if (chunk.length >= buf.length) {
        if (filled) await flush();
        hash.update(chunk);
        for (let off = 0; off < chunk.length; ) off += (await to.write(chunk, off, chunk.length - off)).bytesWritten;
        continue;
      }
      if (filled + chunk.length > buf.length) await flush();
      chunk.copy(buf, filled);
      filled += chunk.length;
    }
    if (filled) await flush();
    return size;
  } finally {
    if (pool.length < POOL_MAX) pool.push(buf);
  }
}
