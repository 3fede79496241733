import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConditionFailedError } from '../../lib/domain/errors.ts';
import { DEFAULT_UPDATE_POLICY, type RecordKey, type RecordTable } from '../../lib/ports/record-table.ts';
import { startTestDynamo, type TestDynamo } from '../support/test-dynamo.ts';

/** RecordTable.update, the one read-modify-conditional-write of the catalog and control records, against dynalite. */
let db: TestDynamo;
let table: RecordTable;
let n = 0;
const freshKey = (): RecordKey => ({ pk: `update#${++n}`, sk: 'rec' });

beforeAll(async () => {
  db = await startTestDynamo();
  table = db.table;
});
afterAll(async () => db?.close());

const ttlOf = async (key: RecordKey) => {
  const out = await db.dynamo.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }));
  return out.Item?.ttl?.N === undefined ? undefined : Number(out.Item.ttl.N);
};

describe('RecordTable.update', () => {
  it('creates an absent record, then changes it under the version it read', async () => {
    const key = freshKey();
    const created = await table.update<{ n: number }>(key, (doc) => ({ n: (doc?.n ?? 0) + 1 }));
    expect(created).toEqual({ key, doc: { n: 1 }, version: 1, counters: {} });
    const changed = await table.update<{ n: number }>(key, (doc) => ({ n: doc!.n + 1 }));
    expect(changed).toMatchObject({ doc: { n: 2 }, version: 2 });
    expect(await table.get(key)).toMatchObject({ doc: { n: 2 }, version: 2 });
  });

  it('retries a write that lost to a concurrent writer, applying the change to the fresh document', async () => {
    const key = freshKey();
    await table.put(key, { items: ['a'] });
    const seen: string[][] = [];
    const result = await table.update<{ items: string[] }>(key, async (doc) => {
      seen.push([...doc!.items]);
      // Another writer changes the record between this attempt's read and its write.
      if (seen.length === 1) await table.put(key, { items: [...doc!.items, 'other'] });
      return { items: [...doc!.items, 'mine'] };
    });
    expect(seen).toEqual([['a'], ['a', 'other']]);
    expect(result).toMatchObject({ doc: { items: ['a', 'other', 'mine'] }, version: 3 });
    expect((await table.get(key))?.doc).toEqual({ items: ['a', 'other', 'mine'] });
  });

  it('a racing creator makes the next attempt see the record it created', async () => {
    const key = freshKey();
    const seen: unknown[] = [];
    await table.update<string>(key, async (doc) => {
      seen.push(doc);
      if (seen.length === 1) await table.put(key, 'theirs', { condition: { kind: 'absent' } });
      return `${doc ?? 'none'}+mine`;
    });
    expect(seen).toEqual([undefined, 'theirs']);
    expect(await table.get(key)).toMatchObject({ doc: 'theirs+mine', version: 2 });
  });

  it('lets many concurrent updates all apply, none lost', async () => {
    const key = freshKey();
    await table.put(key, { count: 0 });
    await Promise.all(Array.from({ length: 6 }, () => table.update<{ count: number }>(key, (doc) => ({ count: doc!.count + 1 }))));
    expect(await table.get(key)).toMatchObject({ doc: { count: 6 }, version: 7 });
  });

  it('gives up after its attempts with a ConditionFailedError naming the key and the attempts', async () => {
    const key = freshKey();
    await table.put(key, 0);
    let calls = 0;
    const err = await table
      .update<number>(key, async (doc) => {
        calls++;
        await table.put(key, doc! + 100); // a writer that always gets in first
        return doc! + 1;
      }, { attempts: 3, backoffMs: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionFailedError);
    expect((err as Error).name).toBe('ConditionFailedError');
    expect((err as Error).message).toBe(
      `Gave up updating ${db.tableName} pk="${key.pk}" sk="${key.sk}" after 3 attempts: another writer changed it every time`,
    );
    expect(calls).toBe(3);
    expect(await table.get(key)).toMatchObject({ doc: 300, version: 4 });
  });

  it('has one default policy, bounded', async () => {
    expect(DEFAULT_UPDATE_POLICY.attempts).toBeGreaterThan(1);
    const key = freshKey();
    await table.put(key, 0);
    let calls = 0;
    const err = await table
      .update<number>(key, async (doc) => {
        calls++;
        await table.put(key, doc! + 1);
        return doc!;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionFailedError);
    expect(calls).toBe(DEFAULT_UPDATE_POLICY.attempts);
    expect((err as Error).message).toContain(`after ${DEFAULT_UPDATE_POLICY.attempts} attempts`);
  });

  it('writes nothing when the change returns undefined, and returns the record as read', async () => {
    const key = freshKey();
    await table.put(key, { a: 1 });
    await table.add(key, { hits: 2 });
    const result = await table.update<{ a: number; b?: number }>(key, (doc) => {
      doc!.b = 2; // a change that edits its copy and then decides against writing
      return undefined;
    });
    expect(result).toEqual({ key, doc: { a: 1 }, version: 1, counters: { hits: 2 } });
    expect(await table.get(key)).toEqual({ key, doc: { a: 1 }, version: 1, counters: { hits: 2 } });
    const absent = freshKey();
    expect(await table.update(absent, () => undefined)).toBeUndefined();
    expect(await table.get(absent)).toBeUndefined();
  });

  it('aborts on a throw from the change, writing nothing and trying no further', async () => {
    const key = freshKey();
    await table.put(key, 'kept');
    let calls = 0;
    const refusal = new Error('refused');
    const err = await table
      .update<string>(key, () => {
        calls++;
        throw refusal;
      })
      .catch((e: unknown) => e);
    expect(err).toBe(refusal);
    expect(calls).toBe(1);
    expect(await table.get(key)).toMatchObject({ doc: 'kept', version: 1 });
    const absent = freshKey();
    await expect(table.update(absent, async () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(await table.get(absent)).toBeUndefined();
  });

  it('writes expiresAt and ttlSeconds as put does, ttlSeconds also from the new document', async () => {
    const key = freshKey();
    const lease = await table.update(key, () => ({ owner: 'a' }), { expiresAt: 2_000_000_000_500 });
    expect(lease).toMatchObject({ expiresAt: 2_000_000_000_500 });
    expect(await table.get(key)).toMatchObject({ expiresAt: 2_000_000_000_500 });
    expect(await ttlOf(key)).toBe(2_000_000_001 + 86_400);
    await table.update<{ owner: string; ended?: number }>(key, (doc) => ({ ...doc!, ended: 1_000_000 }), {
      ttlSeconds: (doc) => (doc.ended === undefined ? undefined : doc.ended / 1000 + 7),
    });
    expect((await table.get(key))?.expiresAt).toBeUndefined();
    expect(await ttlOf(key)).toBe(1007);
    await table.update<{ owner: string; ended?: number }>(key, (doc) => ({ owner: doc!.owner }), {
      ttlSeconds: (doc) => (doc.ended === undefined ? undefined : doc.ended / 1000 + 7),
    });
    expect(await ttlOf(key)).toBeUndefined();
  });

  it('gives the change the stored record: version, counters and lease', async () => {
    const key = freshKey();
    await table.put(key, 'x', { expiresAt: 5 });
    await table.add(key, { files: 3 });
    await table.update<string>(key, (doc, current) => {
      expect(current).toEqual({ key, doc: 'x', version: 1, expiresAt: 5, counters: { files: 3 } });
      return `${doc}${current!.counters.files}`;
    });
    expect(await table.get(key)).toEqual({ key, doc: 'x3', version: 2, counters: {} });
  });
});
