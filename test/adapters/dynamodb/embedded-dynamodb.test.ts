import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedDynamo } from '../../../lib/adapters/dynamodb/embedded-dynamodb.ts';
import { StorageError } from '../../../lib/domain/errors.ts';
import { startTestDynamo } from '../../support/test-dynamo.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('dynalite');

describe('startEmbeddedDynamo', () => {
  it('listens on a Unix socket of its own in a private folder, removed on close', async () => {
    const a = await startEmbeddedDynamo();
    const b = await startEmbeddedDynamo();
    try {
      expect(a.endpoint).toBe('http://localhost');
      expect(a.socketPath).not.toBe(b.socketPath);
      expect(statSync(a.socketPath).isSocket()).toBe(true);
      expect(statSync(path.dirname(a.socketPath)).mode & 0o777).toBe(0o700);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(existsSync(path.dirname(a.socketPath))).toBe(false);
  });

  it('puts the socket next to a store in a private folder, and replaces a stale one', async () => {
    const dir = await temp.make();
    chmodSync(dir, 0o700);
    const store = path.join(dir, 'dynamodb');
    writeFileSync(`${store}.sock`, 'left by a killed process');
    const first = await startEmbeddedDynamo({ path: store });
    expect(first.socketPath).toBe(`${store}.sock`);
    expect(statSync(first.socketPath).isSocket()).toBe(true);
    await first.close();
    expect(readdirSync(dir)).toEqual(['dynamodb']);
  });

  it('uses a private temporary folder when the store folder is open to others or too deep', async () => {
    const open = await temp.make();
    chmodSync(open, 0o755);
    const deep = path.join(await temp.make(), 'x'.repeat(90));
    mkdirSync(deep, { mode: 0o700 });
    for (const dir of [open, deep]) {
      const dynamo = await startEmbeddedDynamo({ path: path.join(dir, 'dynamodb') });
      try {
        expect(path.dirname(dynamo.socketPath).startsWith(path.join(tmpdir(), 'starbackup-'))).toBe(true);
        expect(statSync(path.dirname(dynamo.socketPath)).mode & 0o777).toBe(0o700);
      } finally {
        await dynamo.close();
      }
      expect(existsSync(dynamo.socketPath)).toBe(false);
    }
  });

  it('serves concurrent requests handed to it in-process', async () => {
    const t = await startTestDynamo();
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => t.table.put({ pk: 'p', sk: `s${i}` }, { i })));
      const got = await Promise.all(Array.from({ length: 200 }, (_, i) => t.table.get({ pk: 'p', sk: `s${i}` })));
      expect(got.map((r) => r?.doc)).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
    } finally {
      await t.close();
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
