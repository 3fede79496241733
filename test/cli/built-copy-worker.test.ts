import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { CopyOutcome } from '../../lib/adapters/storage/file/file-copy-pool.ts';
import { BUILT_CLI } from '../support/built-cli.ts';
import { sha256Of } from '../support/streams.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * The built CLI copies files to a file:// location through dist/bin/file-copy-worker.js, which
 * file-copy-pool.ts finds beside its chunk; one that failed to start would only make copies run in the
 * main thread, unseen, so the built thread is run here by itself.
 */
const temp = useTempDirs('built-copy-worker');

describe('the built file copy thread', () => {
  it('copies a range of one descriptor to another and hashes it', async () => {
    const dir = await temp.make();
    const bytes = randomBytes(2 * 1024 * 1024 + 99);
    await writeFile(join(dir, 'from'), bytes);
    const from = await open(join(dir, 'from'), 'r');
    const to = await open(join(dir, 'to'), 'wx');
    const worker = new Worker(join(dirname(BUILT_CLI), 'file-copy-worker.js'));
    try {
      const outcome = await new Promise<CopyOutcome>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ from: from.fd, start: 5, end: bytes.length - 1, to: to.fd });
      });
      const copied = bytes.subarray(5, bytes.length - 1);
      expect(outcome).toEqual({ ok: true, size: copied.length, sha256: sha256Of(copied) });
      expect((await readFile(join(dir, 'to'))).equals(copied)).toBe(true);
    } finally {
      await worker.terminate();
      await from.close();
      await to.close();
    }
  });
});
