import { isTerminal } from '../domain/states.ts';
import { type ExpiryRecord, type JobRecord, type LockRecord, type RepositoryRecord, jobScope } from '../domain/control-types.ts';
import { AlreadyExistsError, ConditionFailedError, NotFoundError } from '../domain/errors.ts';
import { LockStore } from './lock-store.ts';

export { CATALOG_LOCK_CONFLICT, LOCK_CONFLICT } from './lock-store.ts';
import type { RecordKey, RecordTable, StoredRecord } from '../ports/record-table.ts';

/**
 * Typed access to the control records. A job is keyed by its id alone, because workflow handlers get
 * nothing but `{jobId}`; a per-database pointer list answers SHOW BACKUP/RESTORE [FROM db].
 */
const repoKey = (name: string): RecordKey => ({ pk: 'REPOS', sk: name });
const jobKey = (jobId: string): RecordKey => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
/** The index of unfinished jobs: one record per job, from before its record exists until after it ended. */
const unfinishedKey = (jobId: string): RecordKey => ({ pk: 'UNFINISHED', sk: jobId });

/** StarRocks' history_job_keep_max_second. */
export const JOB_HISTORY_SECONDS = 7 * 24 * 3600;


export class ControlStore {
  readonly locks: LockStore;
  constructor(readonly table: RecordTable) {
    this.locks = new LockStore(table);
  }

  async listRepositories(): Promise<RepositoryRecord[]> {
    return (await this.table.query<RepositoryRecord>('REPOS')).map((r) => r.doc);
  }

  async getRepository(name: string): Promise<RepositoryRecord | undefined> {
    return (await this.table.get<RepositoryRecord>(repoKey(name)))?.doc;
  }

  async requireRepository(name: string): Promise<RepositoryRecord> {
    const r = await this.getRepository(name);
    if (!r) throw new NotFoundError(`Repository ${name} does not exist`);
    return r;
  }

  async createRepository(repo: RepositoryRecord): Promise<void> {
    try {
      await this.table.put(repoKey(repo.name), repo, { condition: { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) {
        throw new AlreadyExistsError(`Failed to create repository: repository with same name already exist: ${repo.name}`);
      }
      throw e;
    }
  }

  async deleteRepository(name: string): Promise<void> {
    await this.table.delete(repoKey(name));
  }

  /** The held lock of a scope, or undefined when it is free. */
  getLock(db: string): Promise<StoredRecord<LockRecord> | undefined> {
    return this.locks.get(db);
  }

  async createJob(job: JobRecord): Promise<void> {
    // dynalite has no transactions: the index entry goes first and leaves only after the job ended, so a
    // crash in between leaves an entry too many (skipped on read), never an unfinished job unindexed.
    if (!isTerminal(job.state)) await this.putOnce(unfinishedKey(job.jobId), { jobId: job.jobId });
    await this.table.put(jobKey(job.jobId), job, { condition: { kind: 'absent' } });
    await this.putOnce(dbJobKey(job), { jobId: job.jobId, type: job.type }, historyTtl(job));
    // Not putOnce: an entry left by the database's last job ages out a week after it, and a job that has not
    // ended must keep its database listed however long it runs (its own end sets the entry's TTL again).
    await this.table.put(dbListKey(job), { db: jobScope(job.db) });
  }

  /**
   * Writes an index entry whose document follows from its key, so one already there (a handler run twice,
   * another job of the database) is the same: one conditional write instead of a read and a write.
   */
  private async putOnce(key: RecordKey, doc: unknown, ttlSeconds?: number): Promise<void> {
    try {
      await this.table.put(key, doc, { condition: { kind: 'absent' }, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }

  async getJob(jobId: string): Promise<StoredRecord<JobRecord> | undefined> {
    return this.table.get<JobRecord>(jobKey(jobId));
  }

  async requireJob(jobId: string): Promise<StoredRecord<JobRecord>> {
    const j = await this.getJob(jobId);
    if (!j) throw new NotFoundError(`Job ${jobId} does not exist`);
    return j;
  }

  /**
   * Read-modify-write with optimistic concurrency (RecordTable.update: a lost race is retried under its one
   * bounded policy); `change` gets a copy and may return undefined to leave the job as is, or throw to refuse.
   */
  async updateJob(jobId: string, change: (job: JobRecord) => JobRecord | undefined): Promise<JobRecord> {
    const written = await this.table.update<JobRecord>(jobKey(jobId), (doc, cur) => {
      if (!doc || !cur) throw new NotFoundError(`Job ${jobId} does not exist`);
      const next = change(doc);
      if (!next) return undefined;
      // A put resets the record's counters, so carry what they counted into the document.
      const progress = { ...(next.progress ?? {}) };
      for (const [k, v] of Object.entries(cur.counters)) progress[k] = (progress[k] ?? 0) + v;
      next.progress = progress;
      return next;
    }, { ttlSeconds: historyTtl });
    const job = written!.doc;
    if (isTerminal(job.state)) {
      await this.table.delete(unfinishedKey(jobId));
      // The database's pointer ages out with the job: one left to a job DynamoDB has forgotten would still
      // make a dropped database look as if it had jobs (SHOW BACKUP FROM it answering instead of refusing).
      const ttlSeconds = historyTtl(job);
      if (ttlSeconds !== undefined) {
        await this.table.put(dbJobKey(job), { jobId, type: job.type }, { ttlSeconds });
        // So does the database's place in the list SHOW BACKUP without a database reads: databases dropped
        // long ago would otherwise each cost it a query, for ever.
        await this.table.put(dbListKey(job), { db: jobScope(job.db) }, { ttlSeconds });
      }
    }
    return job;
  }

  async addProgress(jobId: string, counters: Record<string, number>): Promise<void> {
    await this.table.add(jobKey(jobId), counters);
  }

  /** Progress of a job: counters folded into the document plus those added since. */
  static progressOf(job: StoredRecord<JobRecord>, name: string): number {
    return (job.doc.progress?.[name] ?? 0) + (job.counters[name] ?? 0);
  }

  /** Job ids of a database, oldest first (ids sort by creation time). */
  async jobsOfDatabase(db: string): Promise<{ jobId: string; type: string }[]> {
    return (await this.table.query<{ jobId: string; type: string }>(`DBJOBS#${jobScope(db)}`)).map((r) => r.doc);
  }

  /** The newest job of a database, of one type or any, without reading the database's whole history. */
  async lastJobOfDatabase(db: string, type?: string): Promise<{ jobId: string; type: string } | undefined> {
    const ref = await this.table.newest<{ jobId: string; type: string }>(`DBJOBS#${jobScope(db)}`, (d) => type === undefined || d.type === type);
    return ref?.doc;
  }

  /**
   * Every job that has not ended, in any database (DROP REPOSITORY and DROP SNAPSHOT refuse while one uses
   * theirs), found through the index of unfinished jobs rather than a scan of every job ever run. Held
   * locks alone would not do: a lease that lapsed while its job stalled can be taken by another job,
   * leaving the first one unfinished and named by no lock. Jobs recorded before the index existed are
   * still found through the locks they hold. An entry whose job has ended (its process died between the
   * two writes) is removed here.
   */
  async unfinishedJobs(): Promise<JobRecord[]> {
    const [indexed, held] = await Promise.all([
      this.table.query<{ jobId: string }>('UNFINISHED'),
      this.locks.held(),
    ]);
    const inIndex = new Set(indexed.map((r) => r.doc.jobId));
    const ids = new Set([...inIndex, ...held.map(({ lock }) => lock.doc.jobId)]);
    const jobs = await Promise.all([...ids].map((id) => this.getJob(id)));
    const ended = jobs.flatMap((j) => (j && isTerminal(j.doc.state) ? [j.doc.jobId] : []));
    await Promise.all(ended.filter((id) => inIndex.has(id)).map((id) => this.table.delete(unfinishedKey(id))));
    return jobs.flatMap((j) => (j && !isTerminal(j.doc.state) ? [j.doc] : []));
  }

  async databasesWithJobs(): Promise<string[]> {
    return (await this.table.query<{ db: string }>('JOBDBS')).map((r) => r.doc.db);
  }

  async putExpiry(e: ExpiryRecord): Promise<void> {
    await this.table.put(expiryKey(e), e);
  }

  /** Entries due by `now`, read as a key range (their sk starts with the zero-padded time), so not-yet-due ones cost nothing. */
  async dueExpiries(now: number): Promise<ExpiryRecord[]> {
    const due = await this.table.queryBelow<ExpiryRecord>('EXPIRY', `${expiryTime(now + 1)}#`);
    return due.map((r) => r.doc).filter((e) => e.expireTime <= now);
  }

  async deleteExpiry(e: ExpiryRecord): Promise<void> {
    await this.table.delete(expiryKey(e));
  }
}

/** A finished job is history: the cloud table forgets it a week later, as StarRocks drops old jobs. */
function historyTtl(job: JobRecord): number | undefined {
  const ended = job.state === 'FINISHED' || job.state === 'CANCELLED' ? job.times.finished : undefined;
  return ended === undefined ? undefined : Math.ceil(ended / 1000) + JOB_HISTORY_SECONDS;
}

const dbJobKey = (job: JobRecord): RecordKey => ({ pk: `DBJOBS#${jobScope(job.db)}`, sk: job.jobId });
const dbListKey = (job: JobRecord): RecordKey => ({ pk: 'JOBDBS', sk: jobScope(job.db) });
const expiryTime = (ms: number): string => String(ms).padStart(15, '0');
const expiryKey = (e: ExpiryRecord): RecordKey => ({ pk: 'EXPIRY', sk: `${expiryTime(e.expireTime)}#${e.repo}#${e.label}` });
