import { CATALOG_JOBS, type LockRecord, jobScope } from '../domain/control-types.ts';
import { ConditionFailedError, LockConflictError, LockLostError } from '../domain/errors.ts';
import type { RecordKey, RecordTable, StoredRecord } from '../ports/record-table.ts';

/**
 * The per-database locks (DESIGN.md §3): one record per scope (a database, or `#catalogs` for external
 * catalog jobs) holding the job, its owner, a lease and a fencing token. dynalite has no transactions, so
 * each operation is one compare-and-swap on the record's version.
 */
export const LOCK_CONFLICT = 'Can only run one backup or restore job of a database at same time';
export const CATALOG_LOCK_CONFLICT = 'Can only run one backup or restore job of external catalog';
const LOCK_ATTEMPTS = 10;

const lockKey = (db: string): RecordKey => ({ pk: 'LOCKS', sk: `DB#${jobScope(db)}` });

/** Whether a lock's lease ran out: its holder stopped renewing it (crashed, or stalled). */
export function lapsed(lock: StoredRecord<LockRecord>, now: number): boolean {
  return (lock.expiresAt ?? 0) < now;
}

export class LockStore {
  constructor(private readonly table: RecordTable) {}

  /**
   * Takes the database lock for a job and returns its fencing token: a compare-and-swap on the lock record
   * that succeeds when the lock is free or its lease lapsed. The record is never deleted, so the token is
   * the previous one plus one: strictly increasing per scope, whoever takes it.
   */
  async take(db: string, jobId: string, owner: string, leaseMs: number, now: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const cur = await this.table.get<LockRecord>(lockKey(db));
      if (cur && cur.doc.jobId && !lapsed(cur, now)) throw new LockConflictError(db ? LOCK_CONFLICT : CATALOG_LOCK_CONFLICT);
      const token = (cur?.doc.token ?? 0) + 1;
      const doc: LockRecord = { jobId, owner, acquiredAt: now, token, heartbeatAt: now };
      try {
        await this.table.put(lockKey(db), doc, { condition: cur ? { kind: 'version', version: cur.version } : { kind: 'absent' }, expiresAt: now + leaseMs });
        return token;
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
        if (attempt >= LOCK_ATTEMPTS) throw new LockConflictError(db ? LOCK_CONFLICT : CATALOG_LOCK_CONFLICT);
      }
    }
  }

  /**
   * Recovery takes a lapsed or orphaned lock over for the same job, under a new token: from then on every
   * write of the process that held it before fails its fencing check. Fails if the lock changed since read.
   */
  async takeOver(db: string, seen: StoredRecord<LockRecord>, owner: string, leaseMs: number, now: number): Promise<number> {
    const token = (seen.doc.token ?? 0) + 1;
    try {
      await this.table.put(lockKey(db), { ...seen.doc, owner, token, heartbeatAt: now }, { condition: { kind: 'version', version: seen.version }, expiresAt: now + leaseMs });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new LockConflictError(`The lock of ${db ? `database ${db}` : 'external catalogs'} changed while job ${seen.doc.jobId} was being recovered`);
      throw e;
    }
    return token;
  }

  /** The held lock of a scope, or undefined when it is free (released or never taken). */
  async get(db: string): Promise<StoredRecord<LockRecord> | undefined> {
    const r = await this.table.get<LockRecord>(lockKey(db));
    return r?.doc.jobId ? r : undefined;
  }

  /** Every held lock with the database it guards ('' for the external-catalog lock). */
  async held(): Promise<{ db: string; lock: StoredRecord<LockRecord> }[]> {
    return (await this.table.query<LockRecord>('LOCKS'))
      .filter((r) => r.doc.jobId)
      .map((lock) => {
        const scope = lock.key.sk.slice('DB#'.length);
        return { db: scope === CATALOG_JOBS ? '' : scope, lock };
      });
  }

  /**
   * The fencing check and the heartbeat in one conditional write: extends the lease if the lock still
   * names this job under `token`, and throws LockLostError otherwise. `token` undefined (a job recorded
   * before tokens existed) matches any token of the job.
   */
  async renew(db: string, jobId: string, token: number | undefined, owner: string, leaseMs: number, now: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const cur = await this.table.get<LockRecord>(lockKey(db));
      if (!cur || cur.doc.jobId !== jobId || (token !== undefined && cur.doc.token !== token)) {
        const holder = cur?.doc.jobId ? `job ${cur.doc.jobId} holds it under token ${cur.doc.token}` : 'it is free';
        throw new LockLostError(`Job ${jobId} no longer holds the lock of ${db ? `database ${db}` : 'external catalogs'} under token ${token}: ${holder}`, jobId, token);
      }
      try {
        await this.table.put(lockKey(db), { ...cur.doc, owner, heartbeatAt: now }, { condition: { kind: 'version', version: cur.version }, expiresAt: now + leaseMs });
        return;
      } catch (e) {
        // A concurrent renewal of the same holder (the heartbeat timer) moved the version: read again.
        if (!(e instanceof ConditionFailedError) || attempt >= LOCK_ATTEMPTS) throw e;
      }
    }
  }

  /** Releases the lock if this job holds it (under `token`, when given); releasing twice is fine. */
  async release(db: string, jobId: string, token?: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const cur = await this.table.get<LockRecord>(lockKey(db));
      if (!cur || cur.doc.jobId !== jobId || (token !== undefined && cur.doc.token !== token)) return;
      try {
        await this.table.put(lockKey(db), { ...cur.doc, jobId: '', owner: '' }, { condition: { kind: 'version', version: cur.version }, expiresAt: 0 });
        return;
      } catch (e) {
        if (!(e instanceof ConditionFailedError) || attempt >= LOCK_ATTEMPTS) throw e;
      }
    }
  }
}
