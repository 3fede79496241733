import type { JobRecord, RepositoryRecord } from '../../domain/control-types.ts';
import { type BackupSelection, resolveBackupObjects, resolveCatalogs } from './backup-objects.ts';
import { AnalysisError, NotFoundError } from '../../domain/errors.ts';
import { newJobId } from '../../domain/ids.ts';
import { layout } from '../../domain/repository-layout.ts';
import { checkName } from '../../domain/names.ts';
import { BackupState, JobType, StatusCode } from '../../domain/states.ts';
import { snapshotTimestamp } from '../../domain/time-format.ts';
import type { StatementOf } from '../../sql/ast.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { lockAndCreateJob } from '../job-lock.ts';
import { type BackupProps, backupProperties } from '../job-properties.ts';
import { Compression, type CompressionValue, repositoryCompression } from '../../domain/compression.ts';

/**
 * BACKUP's synchronous part (StarRocks' BackupHandler.backup): checks the statement against the catalog and
 * the repository, takes the database lock and records the job in PENDING. Nothing is written before every
 * check has passed, and a failure after the lock releases it.
 */
export async function submitBackup(ctx: ServiceContext, stmt: StatementOf<'Backup'>, sessionDb?: string, user?: string): Promise<JobRecord> {
  const catalogJob = stmt.catalogs !== undefined;
  const accounts = stmt.accounts === true;
  if (catalogJob && (stmt.db || stmt.snapshot.db || stmt.on)) {
    throw new AnalysisError('Can not specify a database, a qualified snapshot name or ON (...) in an external catalog backup');
  }
  if (accounts && (stmt.db || stmt.snapshot.db || stmt.on)) {
    throw new AnalysisError('Can not specify a database, a qualified snapshot name or ON (...) in a backup of ALL USERS');
  }
  if (stmt.db && stmt.snapshot.db) throw new AnalysisError('Can not specify the database both in the DATABASE clause and in the snapshot name');
  // Users, like external catalogs, belong to no database: their jobs share the cluster-wide scope ''.
  const db = catalogJob || accounts ? '' : stmt.db ?? stmt.snapshot.db ?? sessionDb;
  if (db === undefined) throw new AnalysisError('No database selected: name it with BACKUP DATABASE <db> or USE <db>', { mysqlCode: 'ERR_NO_DB_ERROR' });
  const label = checkName('Snapshot', stmt.snapshot.name);
  // StarRocks' order (BackupRestoreAnalyzer.visitBackupStatement, then BackupHandler.backup): the database,
  // the repository, the objects, the properties; then read-only and the label. A catalog backup checks its
  // properties first and leaves the repository to the handler, whose message has no brackets.
  let selection: BackupSelection = { objects: [], views: [], functions: [] };
  let catalogs: string[] | undefined;
  let props: BackupProps;
  let repo: RepositoryRecord;
  if (catalogJob || accounts) {
    props = backupProperties(stmt.properties);
    if (catalogJob) catalogs = await resolveCatalogs(ctx, stmt.catalogs!);
    repo = await ctx.control.requireRepository(stmt.repo);
  } else {
    if (!(await ctx.catalog.getDatabase(db))) throw new NotFoundError(`Unknown database '${db}'`, { mysqlCode: 'ERR_BAD_DB_ERROR' });
    const found = await ctx.control.getRepository(stmt.repo);
    if (!found) throw new NotFoundError(`Repository [${stmt.repo}] does not exist`);
    repo = found;
    selection = await resolveBackupObjects(ctx, db, stmt.on);
    props = backupProperties(stmt.properties);
  }
  if (repo.readOnly) throw new AnalysisError(`Repository ${repo.name} is read only`);
  const store = await openRepository(ctx, repo);
  for await (const o of store.list(`${layout.snapshotDir(repo.name, label)}__info_`)) {
    void o;
    throw new AnalysisError(props.type === 'FULL' ? `Snapshot with name '${label}' already exist in repository` : 'Currently does not support incremental backup');
  }
  const now = ctx.clock.now();
  const job: JobRecord = {
    jobId: newJobId(now), type: JobType.BACKUP, label, db, repo: repo.name, state: BackupState.PENDING,
    timestamp: snapshotTimestamp(now), createTime: now, timeoutSec: props.timeoutSec,
    status: { code: StatusCode.OK, msg: '' }, times: {}, totals: { files: 0, bytes: 0 },
    ...(user ? { user } : {}),
    backup: { objects: selection.objects, views: selection.views, functions: selection.functions, type: props.type, ...(catalogs ? { catalogs } : {}), ...(accounts ? { accounts } : {}), ...(props.ttl ? { ttl: props.ttl } : {}), ...compressionOf(props, repo) },
  };
  await lockAndCreateJob(ctx, job);
  return job;
}

/** BACKUP's compression, else the repository's default (CREATE REPOSITORY … PROPERTIES); none is not recorded. */
function compressionOf(props: BackupProps, repo: RepositoryRecord): { compression?: CompressionValue } {
  const chosen = props.compression ?? repositoryCompression(repo);
  return chosen === Compression.NONE ? {} : { compression: chosen };
}
