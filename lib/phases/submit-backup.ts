import type { BackupObject, JobRecord } from '../domain/control-types.ts';
import { AnalysisError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { layout } from '../domain/repository-layout.ts';
import { checkName } from '../domain/names.ts';
import { BackupState, JobType, StatusCode } from '../domain/states.ts';
import { snapshotTimestamp } from '../domain/time-format.ts';
import type { StatementOf } from '../sql/ast.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { backupProperties } from './job-properties.ts';

/**
 * BACKUP's synchronous part (StarRocks' BackupHandler.backup): checks the statement against the catalog and
 * the repository, takes the database lock and records the job in PENDING. Nothing is written before every
 * check has passed, and a failure after the lock releases it.
 */
export async function submitBackup(ctx: ServiceContext, stmt: StatementOf<'Backup'>, sessionDb?: string): Promise<JobRecord> {
  if (stmt.catalogs) throw new AnalysisError('BACKUP of external catalogs is not supported by this version of starbackup');
  if (stmt.db && stmt.snapshot.db) throw new AnalysisError('Can not specify the database both in the DATABASE clause and in the snapshot name');
  const db = stmt.db ?? stmt.snapshot.db ?? sessionDb;
  if (!db) throw new AnalysisError('No database selected: name it with BACKUP DATABASE <db> or USE <db>');
  const label = checkName('Snapshot', stmt.snapshot.name);
  const props = backupProperties(stmt.properties);
  const repo = await ctx.control.requireRepository(stmt.repo);
  if (repo.readOnly) throw new AnalysisError(`Repository ${repo.name} is read only`);
  if (!(await ctx.catalog.getDatabase(db))) throw new NotFoundError(`Unknown database '${db}'`);
  const objects = await resolveObjects(ctx, db, stmt.on);
  const store = await openRepository(ctx, repo);
  for await (const o of store.list(`${layout.snapshotDir(repo.name, label)}__info_`)) {
    void o;
    throw new AnalysisError(props.type === 'FULL' ? `Snapshot with name '${label}' already exist in repository` : 'Currently does not support incremental backup');
  }
  const now = ctx.clock.now();
  const job: JobRecord = {
    jobId: newId(now), type: JobType.BACKUP, label, db, repo: repo.name, state: BackupState.PENDING,
    timestamp: snapshotTimestamp(now), createTime: now, timeoutSec: props.timeoutSec,
    status: { code: StatusCode.OK, msg: '' }, times: {}, totals: { files: 0, bytes: 0 },
    backup: { objects, type: props.type, ...(props.ttl ? { ttl: props.ttl } : {}) },
  };
  await ctx.control.lockDatabase(db, { jobId: job.jobId, owner: ctx.owner, acquiredAt: now }, ctx.leaseMs, now);
  try {
    await ctx.control.createJob(job);
  } catch (e) {
    await ctx.control.unlockDatabase(db, job.jobId);
    throw e;
  }
  return job;
}

async function resolveObjects(ctx: ServiceContext, db: string, on: StatementOf<'Backup'>['on']): Promise<BackupObject[]> {
  const tables = (await ctx.catalog.listTables(db)).map((r) => r.doc);
  if (!on || on.some((o) => o.kind === 'ALL_TABLES')) {
    if (on && on.length > 1) throw new AnalysisError('ALL TABLES can not be combined with other objects in ON (...)');
    return tables.map((t) => ({ table: t.def.name }));
  }
  const out: BackupObject[] = [];
  for (const o of on) {
    if (o.kind !== 'TABLE') throw new AnalysisError(`BACKUP of ${o.kind.replace(/_/g, ' ')} objects is not supported by this version of starbackup`);
    if (o.alias) throw new AnalysisError(`Can not set alias for table in Backup Stmt: ${o.name.name} AS ${o.alias}`);
    if (o.name.db && o.name.db !== db) throw new AnalysisError(`Table ${o.name.db}.${o.name.name} is not in database ${db}`);
    const t = tables.find((x) => x.def.name === o.name.name);
    if (!t) throw new NotFoundError(`Unknown table '${o.name.name}'`);
    if (out.some((x) => x.table === t.def.name)) throw new AnalysisError(`Duplicated table: ${t.def.name}`);
    const obj: BackupObject = { table: t.def.name };
    if (o.partitions) {
      obj.partitions = o.partitions.map((p) => {
        const spec = t.def.partitioning.partitions.find((s) => s.name === p);
        if (!spec) throw new NotFoundError(`Unknown partition ${p} in table${t.def.name}`);
        return spec.name;
      });
    }
    out.push(obj);
  }
  return out;
}
