import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore } from '../../lib/control/control-store.ts';
import { LOCK_CONFLICT, LockStore } from '../../lib/control/lock-store.ts';
import type { LockRecord } from '../../lib/domain/control-types.ts';
import { LockConflictError, LockLostError, NotFoundError } from '../../lib/domain/errors.ts';
import type { RecordKey, RecordTable, StoredRecord } from '../../lib/ports/record-table.ts';
import { startTestDynamo, type TestDynamo } from '../support/test-dynamo.ts';

/** The lock protocols over RecordTable.update: their fencing outcomes and messages, also under lost races. */
let db: TestDynamo;
let locks: LockStore;
let n = 0;
const fresh = () => `db${++n}`;
const LEASE = 1000;

beforeAll(async () => {
  db = await startTestDynamo();
  locks = new LockStore(db.table);
});
afterAll(async () => db?.close());

/** The same table, but another writer bumps every record right after each of its reads: every write loses. */
function alwaysRaced(table: RecordTable): RecordTable {
  const raced = Object.create(table) as RecordTable;
  raced.get = async <T>(key: RecordKey): Promise<StoredRecord<T> | undefined> => {
    const cur = await table.get<T>(key);
    if (cur) await table.put(key, cur.doc, cur.expiresAt === undefined ? {} : { expiresAt: cur.expiresAt });
    return cur;
  };
  return raced;
}

const raw = (scope: string) => db.table.get<LockRecord>({ pk: 'LOCKS', sk: `DB#${scope}` });

describe('LockStore', () => {
  it('take: tokens grow by one per acquisition; a held lock is busy; a lapsed one is taken', async () => {
    const d = fresh();
    expect(await locks.take(d, 'j1', 'o', LEASE, 1000)).toBe(1);
    await expect(locks.take(d, 'j2', 'o', LEASE, 1500)).rejects.toThrow(new LockConflictError(LOCK_CONFLICT));
    await locks.release(d, 'j1', 1);
    expect(await locks.take(d, 'j2', 'o', LEASE, 1600)).toBe(2);
    expect(await locks.take(d, 'j3', 'o2', LEASE, 2601)).toBe(3);
    expect(await raw(d)).toMatchObject({ doc: { jobId: 'j3', owner: 'o2', token: 3, acquiredAt: 2601, heartbeatAt: 2601 }, expiresAt: 3601 });
  });

  it('take: a race lost on every try is a busy lock, not a ConditionFailedError', async () => {
    const d = fresh();
    await locks.take(d, 'j1', 'o', LEASE, 1000);
    await locks.release(d, 'j1');
    const err = await new LockStore(alwaysRaced(db.table)).take(d, 'j2', 'o', LEASE, 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockConflictError);
    expect((err as Error).message).toBe(LOCK_CONFLICT);
    expect((await raw(d))?.doc.jobId).toBe('');
  });

  it('renew: extends the lease of the holder, and fails with LockLostError for anyone else', async () => {
    const d = fresh();
    const token = await locks.take(d, 'j1', 'o', LEASE, 1000);
    await locks.renew(d, 'j1', token, 'o2', LEASE, 1800);
    expect(await raw(d)).toMatchObject({ doc: { owner: 'o2', heartbeatAt: 1800, token }, expiresAt: 2800 });
    const err = await locks.renew(d, 'j1', token + 1, 'o', LEASE, 1900).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockLostError);
    expect((err as Error).message).toBe(`Job j1 no longer holds the lock of database ${d} under token ${token + 1}: job j1 holds it under token ${token}`);
    await locks.release(d, 'j1', token);
    await expect(locks.renew(d, 'j1', token, 'o', LEASE, 2000)).rejects.toThrow(`Job j1 no longer holds the lock of database ${d} under token ${token}: it is free`);
  });

  it('renew: concurrent renewals of the same holder all succeed', async () => {
    const d = fresh();
    const token = await locks.take(d, 'j1', 'o', LEASE, 1000);
    await Promise.all([1, 2, 3, 4].map((i) => locks.renew(d, 'j1', token, 'o', LEASE, 1000 + i)));
    expect((await raw(d))?.version).toBe(5);
  });

  it('release: only by the holder under its token; twice is fine; the record stays with its token', async () => {
    const d = fresh();
    const token = await locks.take(d, 'j1', 'o', LEASE, 1000);
    await locks.release(d, 'j2');
    await locks.release(d, 'j1', token + 1);
    expect(await locks.get(d)).toBeDefined();
    await locks.release(d, 'j1', token);
    await locks.release(d, 'j1', token);
    expect(await locks.get(d)).toBeUndefined();
    expect(await raw(d)).toMatchObject({ doc: { jobId: '', owner: '', token }, version: 2, expiresAt: 0 });
  });

  it('takeOver: the lock as seen gets a new token and owner', async () => {
    const d = fresh();
    await locks.take(d, 'j1', 'o', LEASE, 1000);
    const seen = (await locks.get(d))!;
    expect(await locks.takeOver(d, seen, 'recoverer', LEASE, 5000)).toBe(2);
    expect(await raw(d)).toMatchObject({ doc: { jobId: 'j1', owner: 'recoverer', token: 2, acquiredAt: 1000, heartbeatAt: 5000 }, expiresAt: 6000 });
  });

  it('takeOver: a lock that changed since it was seen is refused, unless it is the same job and token and still orphaned', async () => {
    const d = fresh();
    await locks.take(d, 'j1', 'o', LEASE, 1000);
    const seen = (await locks.get(d))!;
    await locks.renew(d, 'j1', 1, 'o', LEASE, 1200); // the old runner, on its way out
    const message = `The lock of database ${d} changed while job j1 was being recovered`;
    await expect(locks.takeOver(d, seen, 'r', LEASE, 5000)).rejects.toThrow(new LockConflictError(message));
    await expect(locks.takeOver(d, seen, 'r', LEASE, 5000, () => false)).rejects.toThrow(message);
    expect(await locks.takeOver(d, seen, 'r', LEASE, 5000, () => true)).toBe(2);
    // Now under another token: no longer the lock recovery decided on.
    await expect(locks.takeOver(d, seen, 'r', LEASE, 6000, () => true)).rejects.toThrow(message);
    await locks.release(d, 'j1', 2);
    await expect(locks.takeOver(d, seen, 'r', LEASE, 6000, () => true)).rejects.toThrow(message);
  });

  it('takeOver: a race lost on every try is LockConflictError with its message', async () => {
    await locks.take('', 'j1', 'o', LEASE, 1000);
    const seen = (await locks.get(''))!;
    const err = await new LockStore(alwaysRaced(db.table)).takeOver('', seen, 'r', LEASE, 5000, () => true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockConflictError);
    expect((err as Error).message).toBe('The lock of external catalogs changed while job j1 was being recovered');
  });
});

describe('LockStore: the copy it last saw', () => {
  it('decides on a fresh read once another process changed the lock: a stale copy never renews or releases', async () => {
    const d = fresh();
    const mine = new LockStore(db.table);
    const other = new LockStore(db.table);
    expect(await mine.take(d, 'j1', 'a', LEASE, 1000)).toBe(1);
    await mine.renew(d, 'j1', 1, 'a', LEASE, 1500);
    // j1's lease lapses and another process takes the lock; `mine` still holds its copy naming j1.
    expect(await other.take(d, 'j2', 'b', LEASE, 5000)).toBe(2);
    await expect(mine.renew(d, 'j1', 1, 'a', LEASE, 5100)).rejects.toThrow(LockLostError);
    await mine.release(d, 'j1', 1);
    expect((await raw(d))?.doc).toMatchObject({ jobId: 'j2', owner: 'b', token: 2 });
    // And its own later changes, on a copy it now knows is current, still hold.
    await other.release(d, 'j2', 2);
    expect(await mine.take(d, 'j3', 'a', LEASE, 6000)).toBe(3);
    await mine.renew(d, 'j3', 3, 'a', LEASE, 6100);
    expect((await raw(d))?.expiresAt).toBe(6100 + LEASE);
  });
});

describe('ControlStore.updateJob', () => {
  it('refuses a job that does not exist, writing nothing', async () => {
    const control = new ControlStore(db.table);
    await expect(control.updateJob('nope', (j) => j)).rejects.toThrow(new NotFoundError('Job nope does not exist'));
    expect(await control.getJob('nope')).toBeUndefined();
  });
});
