import type { JobRecord } from '../../domain/control-types.ts';
import { resolveRestoreCatalogs, resolveRestoreObjects } from './restore-objects.ts';
import { AnalysisError } from '../../domain/errors.ts';
import { newJobId } from '../../domain/ids.ts';
import { checkName } from '../../domain/names.ts';
import { JobType, RestoreState, StatusCode } from '../../domain/states.ts';
import type { StatementOf } from '../../sql/ast.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { lockAndCreateJob } from '../job-lock.ts';
import { restoreProperties } from '../job-properties.ts';
import { readInfo } from '../../repository/snapshot-reader.ts';

/**
 * RESTORE's synchronous part (StarRocks' BackupHandler.restore): reads `__info_<backup_timestamp>` first,
 * resolves the target database and the objects against it, takes the target's lock and records the job.
 */
export async function submitRestore(ctx: ServiceContext, stmt: StatementOf<'Restore'>, user?: string): Promise<JobRecord> {
  const props = restoreProperties(stmt.properties);
  if (stmt.db && stmt.snapshot.db) throw new AnalysisError('Can not specify the database both in the DATABASE clause and in the snapshot name');
  const repo = await ctx.control.requireRepository(stmt.repo);
  const label = checkName('Snapshot', stmt.snapshot.name);
  const info = await readInfo(await openRepository(ctx, repo), repo, label, props.backupTimestamp);
  const accountSnapshot = info.users !== undefined;
  const catalogSnapshot = info.database === '' && !accountSnapshot;
  let target = '';
  let selection: ReturnType<typeof resolveRestoreObjects> & { accounts?: { kept: string[]; dropped: string[] } } = { objects: [] };
  if (stmt.accounts && !accountSnapshot) throw new AnalysisError(`This is not a snapshot for ALL USERS restore, snapshot: ${label}`);
  if (accountSnapshot) {
    if (!stmt.accounts) throw new AnalysisError(`Snapshot ${label} holds users and roles: restore it with RESTORE SNAPSHOT ${label} FROM ${repo.name} ALL USERS`);
    if (stmt.db || stmt.snapshot.db || stmt.on) throw new AnalysisError('Can not specify database for ALL USERS snapshot');
    selection.accounts = { kept: [], dropped: [] };
  } else if (catalogSnapshot) {
    if (stmt.db || stmt.snapshot.db || stmt.on) throw new AnalysisError('Can not specify database for external catalog snapshot');
    selection.catalogs = resolveRestoreCatalogs(info, stmt.catalogs);
  } else {
    if (stmt.catalogs) throw new AnalysisError(`This is not a snapshot for external catalog restore, snapshot: ${label}`);
    if (stmt.db && stmt.db !== info.database) throw new AnalysisError(`target database: ${stmt.db} is not existed in snapshot`);
    target = checkName('Database', stmt.dbAlias ?? stmt.db ?? stmt.snapshot.db ?? info.database);
    selection = resolveRestoreObjects(info, label, stmt.on);
  }
  const now = ctx.clock.now();
  const job: JobRecord = {
    jobId: newJobId(now), type: JobType.RESTORE, label, db: target, repo: repo.name, state: RestoreState.PENDING,
    timestamp: props.backupTimestamp, createTime: now, timeoutSec: props.timeoutSec,
    status: { code: StatusCode.OK, msg: '' }, times: {}, totals: { files: 0, bytes: 0 },
    ...(user ? { user } : {}),
    restore: { sourceDb: info.database, ...selection, replicationNum: props.replicationNum, allowLoad: props.allowLoad, held: [] },
  };
  if (props.metaVersion !== undefined) job.restore!.metaVersion = props.metaVersion;
  if (props.starrocksMetaVersion !== undefined) job.restore!.starrocksMetaVersion = props.starrocksMetaVersion;
  await lockAndCreateJob(ctx, job);
  return job;
}
