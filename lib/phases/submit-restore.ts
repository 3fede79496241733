import type { JobRecord, RestoreObject } from '../domain/control-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { JobType, RestoreState, StatusCode } from '../domain/states.ts';
import type { StatementOf } from '../sql/ast.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { restoreProperties } from './job-properties.ts';
import { readInfo } from './snapshot-reader.ts';

/**
 * RESTORE's synchronous part (StarRocks' BackupHandler.restore): reads `__info_<backup_timestamp>` first,
 * resolves the target database and the objects against it, takes the target's lock and records the job.
 */
export async function submitRestore(ctx: ServiceContext, stmt: StatementOf<'Restore'>): Promise<JobRecord> {
  if (stmt.catalogs) throw new AnalysisError('RESTORE of external catalogs is not supported by this version of starbackup');
  const props = restoreProperties(stmt.properties);
  if (stmt.db && stmt.snapshot.db) throw new AnalysisError('Can not specify the database both in the DATABASE clause and in the snapshot name');
  const repo = await ctx.control.requireRepository(stmt.repo);
  const label = checkName('Snapshot', stmt.snapshot.name);
  const info = await readInfo(await openRepository(ctx, repo), repo, label, props.backupTimestamp);
  if (stmt.db && stmt.db !== info.database) throw new AnalysisError(`target database: ${stmt.db} is not existed in snapshot`);
  const target = checkName('Database', stmt.dbAlias ?? stmt.db ?? stmt.snapshot.db ?? info.database);
  const objects = resolveObjects(info, label, stmt.on);
  const now = ctx.clock.now();
  const job: JobRecord = {
    jobId: newId(now), type: JobType.RESTORE, label, db: target, repo: repo.name, state: RestoreState.PENDING,
    timestamp: props.backupTimestamp, createTime: now, timeoutSec: props.timeoutSec,
    status: { code: StatusCode.OK, msg: '' }, times: {}, totals: { files: 0, bytes: 0 },
    restore: { sourceDb: info.database, objects, replicationNum: props.replicationNum, allowLoad: props.allowLoad, held: [] },
  };
  if (props.metaVersion !== undefined) job.restore!.metaVersion = props.metaVersion;
  if (props.starrocksMetaVersion !== undefined) job.restore!.starrocksMetaVersion = props.starrocksMetaVersion;
  await ctx.control.lockDatabase(target, { jobId: job.jobId, owner: ctx.owner, acquiredAt: now }, ctx.leaseMs, now);
  try {
    await ctx.control.createJob(job);
  } catch (e) {
    await ctx.control.unlockDatabase(target, job.jobId);
    throw e;
  }
  return job;
}

function resolveObjects(info: SnapshotInfo, label: string, on: StatementOf<'Restore'>['on']): RestoreObject[] {
  const inSnapshot = Object.keys(info.backup_objects);
  if (!on || on.some((o) => o.kind === 'ALL_TABLES')) {
    if (on && on.length > 1) throw new AnalysisError('ALL TABLES can not be combined with other objects in ON (...)');
    return inSnapshot.map((table) => ({ table }));
  }
  const out: RestoreObject[] = [];
  for (const o of on) {
    if (o.kind !== 'TABLE') throw new AnalysisError(`RESTORE of ${o.kind.replace(/_/g, ' ')} objects is not supported by this version of starbackup`);
    const name = o.name.name;
    const snap = info.backup_objects[name];
    if (!snap) throw new AnalysisError(`Table ${name} does not exist in snapshot ${label}`);
    if (out.some((x) => x.table === name)) throw new AnalysisError(`Duplicated table: ${name}`);
    const obj: RestoreObject = { table: name };
    if (o.alias) {
      checkName('Table', o.alias);
      if (out.some((x) => (x.alias ?? x.table) === o.alias)) throw new AnalysisError(`Duplicated alias name: ${o.alias}`);
      obj.alias = o.alias;
    }
    if (o.partitions) {
      for (const p of o.partitions) {
        if (!snap.partitions[p]) throw new AnalysisError(`Partition ${p} of table ${name} does not exist in snapshot ${label}`);
      }
      obj.partitions = [...o.partitions];
    }
    out.push(obj);
  }
  return out;
}
