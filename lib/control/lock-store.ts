import { CATALOG_JOBS, type LockRecord, jobScope } from '../domain/control-types.ts';
import { ConditionFailedError, LockConflictError, LockLostError } from '../domain/errors.ts';
import type { RecordKey, RecordTable, StoredRecord } from '../ports/record-table.ts';

/**
 * The per-database locks (DESIGN.md §3): one record per scope (a database, or `#catalogs` for external
 * catalog jobs) holding the job, its owner, a lease and a fencing token. dynalite has no transactions, so
 * each operation is one compare-and-swap on the record's version (RecordTable.update, whose one policy
 * bounds the retries of a lost race).
 */
export const LOCK_CONFLICT = 'Can only run one backup or restore job of a database at same time';
export const CATALOG_LOCK_CONFLICT = 'Can only run one backup or restore job of external catalog';

const lockKey = (db: string): RecordKey => ({ pk: 'LOCKS', sk: `DB#${jobScope(db)}` });

/** Whether a lock's lease ran out: its holder stopped renewing it (crashed, or stalled). */
export function lapsed(lock: StoredRecord<LockRecord>, now: number): boolean {
  return (lock.expiresAt ?? 0) < now;
}

export class LockStore {
  /** The last record read or written per scope: a hint for `change`, never trusted without a condition. */
  private readonly seen = new Map<string, StoredRecord<LockRecord>>();

  constructor(private readonly table: RecordTable) {}

  /**
   * Takes the database lock for a job and returns its fencing token: a compare-and-swap on the lock record
   * that succeeds when the lock is free or its lease lapsed. The record is never deleted, so the token is
   * the previous one plus one: strictly increasing per scope, whoever takes it. Losing the race more often
   * than the update policy allows counts as finding the lock busy.
   */
  async take(db: string, jobId: string, owner: string, leaseMs: number, now: number): Promise<number> {
    const busy = () => new LockConflictError(db ? LOCK_CONFLICT : CATALOG_LOCK_CONFLICT);
    try {
      const taken = await this.change(db, (cur) => {
        if (cur && cur.doc.jobId && !lapsed(cur, now)) throw busy();
        return { jobId, owner, acquiredAt: now, token: (cur?.doc.token ?? 0) + 1, heartbeatAt: now };
      }, now + leaseMs);
      return taken!.doc.token;
    } catch (e) {
      if (e instanceof ConditionFailedError) throw busy();
      throw e;
    }
  }

  /**
   * Recovery takes a lapsed or orphaned lock over for the same job, under a new token: from then on every
   * write of the process that held it before fails its fencing check. The lock must still be the one
   * recovery saw (`seen`), or, if it changed since (a renewal of the same token by a runner on its way
   * out), still name the same job and token and still pass `stillOrphaned`; otherwise, and when the
   * update policy's tries run out, this throws LockConflictError.
   */
  async takeOver(
    db: string, seen: StoredRecord<LockRecord>, owner: string, leaseMs: number, now: number,
    stillOrphaned: (lock: StoredRecord<LockRecord>) => boolean = () => false,
  ): Promise<number> {
    const changed = () => new LockConflictError(`The lock of ${db ? `database ${db}` : 'external catalogs'} changed while job ${seen.doc.jobId} was being recovered`);
    try {
      const taken = await this.table.update<LockRecord>(lockKey(db), (_doc, cur) => {
        const same = cur?.version === seen.version;
        if (!cur || (!same && (!cur.doc.jobId || cur.doc.jobId !== seen.doc.jobId || cur.doc.token !== seen.doc.token || !stillOrphaned(cur)))) throw changed();
        return { ...cur.doc, owner, token: (cur.doc.token ?? 0) + 1, heartbeatAt: now };
      }, { expiresAt: now + leaseMs });
      return taken!.doc.token;
    } catch (e) {
      if (e instanceof ConditionFailedError) throw changed();
      throw e;
    }
  }

  /** The held lock of a scope, or undefined when it is free (released or never taken). */
  async get(db: string): Promise<StoredRecord<LockRecord> | undefined> {
    const r = await this.table.get<LockRecord>(lockKey(db));
    if (r) this.seen.set(db, r);
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
   * before tokens existed) matches any token of the job. A concurrent renewal of the same holder (the
   * heartbeat timer) makes the update read again.
   */
  async renew(db: string, jobId: string, token: number | undefined, owner: string, leaseMs: number, now: number): Promise<void> {
    await this.change(db, (cur) => {
      if (!cur || cur.doc.jobId !== jobId || (token !== undefined && cur.doc.token !== token)) {
        const holder = cur?.doc.jobId ? `job ${cur.doc.jobId} holds it under token ${cur.doc.token}` : 'it is free';
        throw new LockLostError(`Job ${jobId} no longer holds the lock of ${db ? `database ${db}` : 'external catalogs'} under token ${token}: ${holder}`, jobId, token);
      }
      return { ...cur.doc, owner, heartbeatAt: now };
    }, now + leaseMs);
  }

  /** Releases the lock if this job holds it (under `token`, when given); releasing twice is fine. */
  async release(db: string, jobId: string, token?: number): Promise<void> {
    await this.change(db, (cur) => {
      if (!cur || cur.doc.jobId !== jobId || (token !== undefined && cur.doc.token !== token)) return undefined;
      return { ...cur.doc, jobId: '', owner: '' };
    }, 0);
  }

  /**
   * A read-modify-write of a lock that first tries the record this store last read or wrote: when `decide`
   * writes something from it, one write conditioned on its version does the job, and succeeds only if the
   * lock is still exactly that record (a lock has no counters, so its version says everything). A refusal,
   * a no-op, or a lost condition decides again on a fresh read (RecordTable.update): a stale copy costs one
   * failed write, never a wrong decision. A job's phases renew the lock one after another, so the copy is
   * usually current, and a renewal costs one request instead of two.
   */
  private async change(db: string, decide: (cur: StoredRecord<LockRecord> | undefined) => LockRecord | undefined, expiresAt: number): Promise<StoredRecord<LockRecord> | undefined> {
    const key = lockKey(db);
    const hint = this.seen.get(db);
    let next: LockRecord | undefined;
    try {
      next = hint && decide(hint);
    } catch {
      next = undefined;
    }
    if (hint && next) {
      try {
        const version = await this.table.put(key, next, { condition: { kind: 'version', version: hint.version }, expiresAt });
        return this.remember(db, { key, doc: next, version, counters: {}, expiresAt });
      } catch (e) {
        if (!(e instanceof ConditionFailedError)) throw e;
      }
    }
    this.seen.delete(db);
    const r = await this.table.update<LockRecord>(key, (_doc, cur) => decide(cur), { expiresAt });
    return r ? this.remember(db, r) : r;
  }

  private remember(db: string, r: StoredRecord<LockRecord>): StoredRecord<LockRecord> {
    this.seen.set(db, r);
    return r;
  }
}
