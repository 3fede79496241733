import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedDynamo } from '../../../lib/adapters/dynamodb/embedded-dynamodb.ts';
import { StorageError } from '../../../lib/domain/errors.ts';
import { startTestDynamo } from '../../support/test-dynamo.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('dynalite');

describe('startEmbeddedDynamo', () => {
  it('listens on an ephemeral port of 127.0.0.1', async () => {
    const a = await startEmbeddedDynamo();
    const b = await startEmbeddedDynamo();
    try {
      expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.endpoint).not.toBe(b.endpoint);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps records on disk across close and restart', async () => {
    const home = path.join(await temp.make(), 'dynamo');
    const first = await startTestDynamo({ path: home });
    const key = { pk: 'db#1', sk: 'job#1' };
    await first.table.put(key, { state: 'UPLOADING' }, { expiresAt: 123 });
    await first.table.put(key, { state: 'SAVE_META' }, { condition: { kind: 'version', version: 1 }, expiresAt: 456 });
    await first.table.add(key, { files: 4 });
    await first.close();
    await first.close(); // idempotent

    // Opened right after close: the LevelDB LOCK must already be released.
    const second = await startTestDynamo({ path: home });
    try {
      expect(await second.table.get(key)).toEqual({
        key,
        doc: { state: 'SAVE_META' },
        version: 2,
        expiresAt: 456,
        counters: { files: 4 },
      });
      expect(await second.table.put(key, { state: 'FINISHED' }, { condition: { kind: 'version', version: 2 } })).toBe(3);
    } finally {
      await second.close();
    }
    const third = await startTestDynamo({ path: home });
    expect((await third.table.get(key))?.version).toBe(3);
    await third.close();
  });

  it('refuses a home that is already open, with a clear error', async () => {
    const home = path.join(await temp.make(), 'dynamo');
    const owner = await startEmbeddedDynamo({ path: home });
    try {
      const err = await startEmbeddedDynamo({ path: home }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toContain(home);
      expect((err as Error).message).toContain('in use by another process');
    } finally {
      await owner.close();
    }
    // And the failed attempt did not leave the home locked.
    const again = await startEmbeddedDynamo({ path: home });
    await again.close();
  });
});
