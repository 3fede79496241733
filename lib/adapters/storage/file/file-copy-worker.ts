/**
 * A thread of file copies (file-copy-pool.ts): reads a range of one open file, hashes it and writes it to
 * another, with the blocking calls a thread of its own can afford. The descriptors belong to the process,
 * so the main thread keeps owning (and closing) both files.
 */
import { createHash } from 'node:crypto';
import { readSync, writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { CopyJob, CopyOutcome } from './file-copy-pool.ts';

const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafeSlow(CHUNK);

function copy({ from, start, end, to }: CopyJob): CopyOutcome {
  const hash = createHash('sha256');
  let pos = start;
  let written = 0;
  try {
    while (pos < end) {
      const n = readSync(from, buf, 0, Math.min(CHUNK, end - pos), pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      for (let off = 0; off < n; ) off += writeSync(to, buf, off, n - off, written + off);
      written += n;
      pos += n;
    }
    return { ok: true, size: written, sha256: hash.digest('hex') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, message: err.message, code: err.code, syscall: err.syscall };
  }
}

parentPort!.on('message', (job: CopyJob) => parentPort!.postMessage(copy(job)));
