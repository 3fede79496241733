import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoRecordTable, ensureTable } from '../../../lib/adapters/dynamodb/dynamodb-record-table.ts';
import { ConditionFailedError, StorageError } from '../../../lib/domain/errors.ts';
import type { RecordKey } from '../../../lib/ports/record-table.ts';
import { startTestDynamo, type TestDynamo } from '../../support/test-dynamo.ts';

let db: TestDynamo;
let table: DynamoRecordTable;
let n = 0;
/** A key no other test touches. */
const freshKey = (sk = 'rec'): RecordKey => ({ pk: `test#${++n}`, sk });

beforeAll(async () => {
  db = await startTestDynamo();
  table = db.table;
});
afterAll(async () => {
  await db?.close();
});

async function conditionError(promise: Promise<unknown>): Promise<ConditionFailedError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConditionFailedError);
  return err as ConditionFailedError;
}

describe('DynamoRecordTable put and get', () => {
  it('returns undefined for a missing record', async () => {
    expect(await table.get(freshKey())).toBeUndefined();
  });

  it('starts at version 1 and adds one on every put', async () => {
    const key = freshKey();
    expect(await table.put(key, { step: 1 })).toBe(1);
    expect(await table.put(key, { step: 2 })).toBe(2);
    expect(await table.put(key, { step: 3 }, { condition: { kind: 'any' } })).toBe(3);
    expect(await table.get(key)).toEqual({ key, doc: { step: 3 }, version: 3, counters: {} });
  });

  it('round-trips nested JSON documents', async () => {
    const key = { pk: 'db#ünïcode', sk: 'table#t1/p"1' };
    const doc = { name: 'サンプル', nested: { list: [1, 2.5, null, true], empty: '' }, big: 'x'.repeat(100_000) };
    await table.put(key, doc);
    expect((await table.get(key))?.doc).toEqual(doc);
  });

  it('absent: creates once, then fails naming the key', async () => {
    const key = freshKey();
    expect(await table.put(key, 'a', { condition: { kind: 'absent' } })).toBe(1);
    const err = await conditionError(table.put(key, 'b', { condition: { kind: 'absent' } }));
    expect(err.message).toContain(key.pk);
    expect(err.message).toContain(key.sk);
    expect(err.message).toContain(db.tableName);
    expect((await table.get(key))?.doc).toBe('a');
  });

  it('version: succeeds on the current version only', async () => {
    const key = freshKey();
    await table.put(key, 'v1');
    expect(await table.put(key, 'v2', { condition: { kind: 'version', version: 1 } })).toBe(2);
    const err = await conditionError(table.put(key, 'stale', { condition: { kind: 'version', version: 1 } }));
    expect(err.message).toContain('version 1');
    expect(err.message).toContain(key.pk);
    await conditionError(table.put(freshKey(), 'x', { condition: { kind: 'version', version: 1 } }));
    expect(await table.get(key)).toMatchObject({ doc: 'v2', version: 2 });
  });

  it('absentOrExpired: takes a missing or lapsed lease, never a live one', async () => {
    const key = freshKey('lock');
    const t = 1_700_000_000_000;
    expect(await table.put(key, { owner: 'a' }, { condition: { kind: 'absentOrExpired', now: t }, expiresAt: t + 1000 })).toBe(1);
    expect(await table.get(key)).toMatchObject({ expiresAt: t + 1000, version: 1 });
    const err = await conditionError(
      table.put(key, { owner: 'b' }, { condition: { kind: 'absentOrExpired', now: t + 500 }, expiresAt: t + 2000 }),
    );
    expect(err.message).toContain(key.pk);
    // At exactly expiresAt the lease is still held (`exp < now` is strict).
    await conditionError(table.put(key, { owner: 'b' }, { condition: { kind: 'absentOrExpired', now: t + 1000 } }));
    expect(
      await table.put(key, { owner: 'b' }, { condition: { kind: 'absentOrExpired', now: t + 1001 }, expiresAt: t + 5000 }),
    ).toBe(2);
    expect(await table.get(key)).toMatchObject({ doc: { owner: 'b' }, version: 2, expiresAt: t + 5000 });
  });

  it('absentOrExpired: a record without expiresAt never expires, and a put drops expiresAt', async () => {
    const key = freshKey();
    await table.put(key, 'leased', { expiresAt: 10 });
    await table.put(key, 'permanent', { condition: { kind: 'version', version: 1 } });
    const record = await table.get(key);
    expect(record?.expiresAt).toBeUndefined();
    await conditionError(table.put(key, 'x', { condition: { kind: 'absentOrExpired', now: Number.MAX_SAFE_INTEGER } }));
  });

  it('lets exactly one of many racing version-conditioned puts win', async () => {
    const key = freshKey();
    await table.put(key, 0);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => table.put(key, i, { condition: { kind: 'version', version: 1 } })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConditionFailedError)).toHaveLength(9);
  });

  it('gives racing unconditional puts distinct, consecutive versions', async () => {
    const key = freshKey();
    const versions = await Promise.all(Array.from({ length: 12 }, (_, i) => table.put(key, i)));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await table.get(key))?.version).toBe(12);
  });

  it('lets exactly one of many racing lease takeovers win', async () => {
    const key = freshKey('lock');
    await table.put(key, { owner: 'old' }, { expiresAt: 100 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        table.put(key, { owner: i }, { condition: { kind: 'absentOrExpired', now: 200 }, expiresAt: 10_000 }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await table.get(key))?.version).toBe(2);
  });
});

describe('DynamoRecordTable delete', () => {
  it('deletes, and deleting a missing record is fine', async () => {
    const key = freshKey();
    await table.put(key, 1);
    await table.delete(key);
    await table.delete(key);
    expect(await table.get(key)).toBeUndefined();
    expect(await table.put(key, 'again', { condition: { kind: 'absent' } })).toBe(1);
  });

  it('honours a condition', async () => {
    const key = freshKey('lock');
    await table.put(key, 'held', { expiresAt: 1000 });
    await conditionError(table.delete(key, { kind: 'version', version: 7 }));
    await conditionError(table.delete(key, { kind: 'absentOrExpired', now: 999 }));
    await table.delete(key, { kind: 'version', version: 1 });
    expect(await table.get(key)).toBeUndefined();
    await conditionError(table.delete(key, { kind: 'version', version: 1 }));
  });
});

describe('DynamoRecordTable counters', () => {
  it('adds to named counters without changing the version', async () => {
    const key = freshKey('job');
    await table.put(key, { state: 'UPLOADING' });
    await table.add(key, { files: 3, bytes: 1000 });
    await table.add(key, { files: 2, 'odd name.x': 1 });
    await table.add(key, { bytes: -10 });
    await table.add(key, {});
    expect(await table.get(key)).toMatchObject({ version: 1, counters: { files: 5, bytes: 990, 'odd name.x': 1 } });
  });

  it('counts every one of many concurrent adds', async () => {
    const key = freshKey('job');
    await table.put(key, {});
    await Promise.all(Array.from({ length: 40 }, () => table.add(key, { done: 1 })));
    expect((await table.get(key))?.counters).toEqual({ done: 40 });
  });

  it('fails on a missing record, naming the key', async () => {
    const key = freshKey('gone');
    const err = await conditionError(table.add(key, { files: 1 }));
    expect(err.message).toContain(key.pk);
    expect(await table.get(key)).toBeUndefined();
  });

  it('is reset by a put, which replaces the whole record', async () => {
    const key = freshKey('job');
    await table.put(key, 'a');
    await table.add(key, { files: 9 });
    await table.put(key, 'b', { condition: { kind: 'version', version: 1 } });
    expect(await table.get(key)).toMatchObject({ doc: 'b', version: 2, counters: {} });
  });
});

describe('DynamoRecordTable query', () => {
  it('returns a partition in sk order, optionally by sk prefix', async () => {
    const pk = `q#${++n}`;
    for (const sk of ['job#b', 'lock', 'job#a', 'job#c', 'jobs']) await table.put({ pk, sk }, sk);
    await table.put({ pk: `${pk}-other`, sk: 'job#z' }, 'other');
    expect((await table.query<string>(pk)).map((r) => r.doc)).toEqual(['job#a', 'job#b', 'job#c', 'jobs', 'lock']);
    expect((await table.query<string>(pk, 'job#')).map((r) => r.key.sk)).toEqual(['job#a', 'job#b', 'job#c']);
    expect(await table.query(pk, '')).toHaveLength(5);
    expect(await table.query(pk, 'zzz')).toEqual([]);
    expect(await table.query(`q#never`)).toEqual([]);
  });

  it('reads a key range below a bound, and finds the newest record a predicate takes past a page', async () => {
    const pk = `q#${++n}`;
    const sks = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(3, '0')}#x`);
    await Promise.all(sks.map((sk, i) => table.put({ pk, sk }, { i, kind: i === 3 ? 'rare' : 'common' })));
    await table.put({ pk: `${pk}-other`, sk: '000#x' }, { i: -1, kind: 'rare' });
    expect((await table.queryBelow<{ i: number }>(pk, '005#')).map((r) => r.doc.i)).toEqual([0, 1, 2, 3, 4]);
    expect(await table.queryBelow(pk, '000')).toEqual([]);
    expect((await table.newest<{ i: number }>(pk, () => true))?.doc.i).toBe(39);
    // 36 records newer than the one taken: the read goes on past its first page.
    expect((await table.newest<{ i: number; kind: string }>(pk, (d) => d.kind === 'rare'))?.key.sk).toBe('003#x');
    expect(await table.newest<{ kind: string }>(pk, (d) => d.kind === 'none')).toBeUndefined();
    expect(await table.newest(`q#never`, () => true)).toBeUndefined();
  });

  it('pages through more than 1 MB of items', async () => {
    const pk = `q#${++n}`;
    const filler = 'x'.repeat(60_000);
    await Promise.all(Array.from({ length: 40 }, (_, i) => table.put({ pk, sk: `big#${String(i).padStart(3, '0')}` }, { i, filler })));
    await table.put({ pk, sk: 'zz-after' }, { i: -1 });
    const records = await table.query<{ i: number }>(pk, 'big#');
    expect(records.map((r) => r.doc.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(records.every((r) => r.version === 1)).toBe(true);
  });

  it('pages through many small items with counters', async () => {
    const pk = `q#${++n}`;
    await Promise.all(Array.from({ length: 600 }, (_, i) => table.put({ pk, sk: `s#${String(i).padStart(4, '0')}` }, i)));
    await table.add({ pk, sk: 's#0007' }, { hits: 2 });
    const records = await table.query<number>(pk, 's#');
    expect(records).toHaveLength(600);
    expect(records[7]).toMatchObject({ doc: 7, counters: { hits: 2 } });
  });
});

describe('DynamoRecordTable errors', () => {
  it('reports a missing table as a non-retryable StorageError naming it', async () => {
    const missing = new DynamoRecordTable(db.dynamo.client, 'no-such-table');
    const err = await missing.get({ pk: 'a', sk: 'b' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(false);
    expect((err as Error).message).toContain('no-such-table');
  });

  it('reports an unreachable endpoint as a retryable StorageError', async () => {
    const client = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'local',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const err = await new DynamoRecordTable(client, 'any-table').put({ pk: 'a', sk: 'b' }, 1).catch((e: unknown) => e);
    client.destroy();
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(true);
  });

  it('reports an item over 400 KB as a non-retryable StorageError', async () => {
    const err = await table.put(freshKey(), 'x'.repeat(500_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(false);
  });

  it('ensureTable is idempotent, also when called concurrently', async () => {
    await ensureTable(db.dynamo.client, db.tableName);
    await Promise.all([1, 2, 3].map(() => ensureTable(db.dynamo.client, 'concurrent-table')));
    const t = new DynamoRecordTable(db.dynamo.client, 'concurrent-table');
    expect(await t.put({ pk: 'a', sk: 'b' }, 1)).toBe(1);
  });
});
