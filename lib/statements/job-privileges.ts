import { DEFAULT_CATALOG } from '../access/privilege-types.ts';
import { JobType } from '../domain/states.ts';
import type { JobRecord } from '../domain/control-types.ts';
import type { StatementOf } from '../sql/ast.ts';
import { resolveBackupObjects } from '../jobs/backup/backup-objects.ts';
import type { ResultFilter, StatementGuard } from './statement-guard.ts';

/**
 * BACKUP, RESTORE, CANCEL and SHOW BACKUP as fe-core sql/analyzer/AuthorizerStmtVisitor checks them
 * (visitBackupStatement, visitRestoreStatement, visitCancelBackupStatement, visitShowBackupStatement) and
 * qe/ShowExecutor.visitShowBackupStatement filters. Every one needs REPOSITORY on SYSTEM first.
 */
const repository = (g: StatementGuard) => g.require('REPOSITORY', { type: 'SYSTEM' });

/**
 * starbackup's BACKUP/RESTORE … ALL USERS (StarRocks has none) reads or writes every account and grant: GRANT
 * on SYSTEM (user_admin), what CREATE USER and GRANT … TO any user need in StarRocks, after REPOSITORY.
 */
const userAdmin = (g: StatementGuard) => g.require('GRANT', { type: 'SYSTEM' });

export async function backupRule(g: StatementGuard, s: StatementOf<'Backup'>): Promise<void> {
  repository(g);
  if (s.accounts) return userAdmin(g);
  if (s.catalogs) {
    const names = s.catalogs.all ? (await g.ctx.catalog.listCatalogs()).map((c) => c.name) : s.catalogs.items.map((i) => i.name);
    // StarRocks checks USAGE but words the refusal as CREATE DATABASE.
    for (const catalog of names) g.require('USAGE', { type: 'CATALOG', catalog }, 'CREATE DATABASE');
    return;
  }
  const db = s.db ?? s.snapshot.db ?? g.session.db;
  if (db === undefined || !(await g.ctx.catalog.getDatabase(db))) return;
  let selection;
  try {
    selection = await resolveBackupObjects(g.ctx, db, s.on);
  } catch {
    return; // the executor reports the unknown or duplicated object, as StarRocks' analyzer does first
  }
  for (const name of [...selection.objects.map((o) => o.table), ...selection.views]) g.require('EXPORT', { type: 'TABLE', db, name });
  // StarRocks checks USAGE on each function but words the refusal as DROP, with the signature.
  for (const sig of selection.functions) g.require('USAGE', { type: 'FUNCTION', db, name: sig.slice(0, sig.indexOf('(')) }, 'DROP', sig);
}

export async function restoreRule(g: StatementGuard, s: StatementOf<'Restore'>): Promise<void> {
  repository(g);
  if (s.accounts) return userAdmin(g);
  if (s.catalogs) return g.require('CREATE EXTERNAL CATALOG', { type: 'SYSTEM' });
  if (!s.on) return g.require('CREATE DATABASE', { type: 'CATALOG', catalog: DEFAULT_CATALOG });
  const db = s.dbAlias ?? s.db ?? s.snapshot.db;
  if (db === undefined || !(await g.ctx.catalog.getDatabase(db))) return;
  g.require('CREATE TABLE', { type: 'DATABASE', db });
  for (const ref of s.on) {
    if (!('name' in ref) || ref.kind === 'FUNCTION') continue;
    if (await g.ctx.catalog.getTable(db, ref.name.name)) g.require('INSERT', { type: 'TABLE', db, name: ref.name.name });
  }
}

/** The tables a backup job holds, as its TableRefs: tables, materialized views and views. */
function exported(job: JobRecord): string[] {
  if (job.type !== JobType.BACKUP || !job.backup) return [];
  return [...job.backup.objects.map((o) => o.table), ...(job.backup.views ?? [])];
}

export async function cancelRule(g: StatementGuard, s: StatementOf<'CancelBackup' | 'CancelRestore'>): Promise<void> {
  repository(g);
  const db = s.externalCatalog ? '' : s.db ?? g.session.db;
  if (db === undefined) return;
  // BackupHandler.getAbstractJob: the database's last job, of either kind; only a backup's tables are checked.
  const last = await g.ctx.control.lastJobOfDatabase(db);
  const job = last && (await g.ctx.control.getJob(last.jobId))?.doc;
  if (!job) return;
  for (const name of exported(job)) g.require('EXPORT', { type: 'TABLE', db: job.db, name });
  // A job of users shares the external catalogs' scope; only who may start one may stop it (starbackup's rule).
  const ofAccounts = job.type === JobType.BACKUP ? job.backup?.accounts : job.type === JobType.RESTORE && job.restore?.accounts !== undefined;
  if (ofAccounts) userAdmin(g);
}

/** SHOW BACKUP: an empty set as soon as one listed job has a table without EXPORT. */
export async function showBackupRule(g: StatementGuard): Promise<ResultFilter> {
  repository(g);
  return async (rs) => {
    const at = rs.columns.indexOf('JobId');
    for (const row of rs.rows) {
      const job = (await g.ctx.control.getJob(String(row[at])))?.doc;
      if (job && exported(job).some((name) => !g.set.has('EXPORT', { type: 'TABLE', db: job.db, name }))) return { ...rs, rows: [] };
      // A backup of ALL USERS lists every account: only user_admin (GRANT on SYSTEM) sees it.
      if (job?.type === JobType.BACKUP && job.backup.accounts && !g.set.has('GRANT', { type: 'SYSTEM' })) return { ...rs, rows: [] };
    }
    return rs;
  };
}
