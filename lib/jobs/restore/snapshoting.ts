import { type CatalogDef, type TableRecord, TableState } from '../../domain/catalog-types.ts';
import { type JobRecord, type RestoreJob, jobOfType } from '../../domain/control-types.ts';
import type { SnapshotTable } from '../../domain/snapshot-types.ts';
import { AnalysisError, BadReplaceError, JobCancelledError, NotFoundError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { JobType, RestoreState, isTerminal } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import type { StoredRecord } from '../../ports/record-table.ts';
import type { ServiceContext } from '../service-context.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { checkOverwrite } from './check-overwrite.ts';
import { releaseTable } from '../release-table.ts';
import { advance, enterPhase, fence } from '../job-guard.ts';
import type { RestorePlan, RestoreTablePlan } from './restore-plan.ts';
import { readInfo } from '../../repository/snapshot-reader.ts';
import { type MetaHeader, readMetaTables } from '../../repository/meta-stream.ts';
import { writeStagingDoc } from '../staging.ts';
import { planAccountRestore } from '../../access/account-restore.ts';
import { ANY_HOST, ROOT_USER, identityText } from '../../access/user-identity.ts';

/**
 * SNAPSHOTING (restore): reads and verifies `__meta` (as a stream), runs the overwrite check for every table that already
 * exists, and holds those tables (state RESTORE: loads and DDL wait) until COMMITTING or cancel. New tables
 * are not created yet, so nothing is visible until the commit.
 */
export async function restoreSnapshoting(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.RESTORE, RestoreState.SNAPSHOTING);
  if (done) return { jobId };
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  const info = await readInfo(store, repo, job.label, job.timestamp);
  // Streamed: of the tables restored, only the definition and partitions are kept (DOWNLOAD places segments).
  const wanted = new Set(job.restore!.objects.map((o) => o.table));
  const snapTables = new Map<string, SnapshotTable>();
  const meta = await readMetaTables(store, repo, info, (t) => {
    if (wanted.has(t.def.name)) snapTables.set(t.def.name, { def: t.def, partitions: t.partitions.map((p) => ({ name: p.name, version: p.version, tablets: [] })) });
  });
  const plan: RestorePlan = { tables: [] };
  const { tables, views } = await targetObjects(ctx, job.db, job.restore!.objects.map((o) => o.alias ?? o.table));
  for (const obj of job.restore!.objects) {
    const snap = snapTables.get(obj.table);
    if (!snap) throw new AnalysisError(`Table ${obj.table} does not exist in snapshot ${job.label}`);
    const name = obj.alias ?? obj.table;
    const parts = snap.partitions.filter((p) => !obj.partitions || obj.partitions.includes(p.name));
    const existing = tables.get(name);
    // As StarRocks does: an existing, active materialized view is left as it is.
    if (existing?.doc.def.mv?.active && snap.def.mv) continue;
    if (views.has(name)) throw new AnalysisError(`Table ${name} already exist in db: ${job.db}`);
    let tp: RestoreTablePlan;
    if (!existing) {
      const def = structuredClone(snap.def);
      def.id = newId();
      def.name = name;
      def.createTime = ctx.clock.now();
      def.partitioning.partitions = def.partitioning.partitions.filter((p) => parts.some((x) => x.name === p.name)).map((p) => ({ ...p, id: newId() }));
      const ids = new Map(def.partitioning.partitions.map((p) => [p.name, p.id]));
      tp = { name, sourceName: obj.table, mode: 'create', def, partitions: parts.map((p) => ({ name: p.name, targetId: ids.get(p.name)!, added: true, version: p.version })) };
    } else {
      const rec = existing.doc;
      if (rec.state !== TableState.NORMAL && rec.restoreJobId !== jobId) throw new AnalysisError(`Table ${name}'s state is not NORMAL: ${rec.state}`);
      const ow = checkOverwrite(rec.def, snap.def, name, parts.map((p) => p.name), job.restore!.replicationNum);
      const version = (id: string) => (rec.data[id]?.version ?? 1) + 1;
      tp = { name, sourceName: obj.table, mode: 'overwrite', def: ow.def, partitions: ow.partitions.map((p) => ({ ...p, version: version(p.targetId) })) };
      await hold(ctx, job, name);
    }
    plan.tables.push(tp);
  }
  await planMetadataObjects(ctx, job, meta, plan);
  // The home's owner (no user) and root may hand out the root-only roles a snapshot's users hold.
  const byRoot = job.user === undefined || job.user === identityText({ user: ROOT_USER, host: ANY_HOST });
  const accounts = job.restore!.accounts && (await planAccountRestore(ctx.catalog.table, meta.accounts ?? { users: [], roles: [] }, byRoot));
  if (accounts) plan.accounts = accounts.plan;
  await writeStagingDoc(ctx.data, jobId, 'plan', plan);
  const now = ctx.clock.now();
  await advance(ctx, job, RestoreState.DOWNLOAD, (j) => {
    j.times.metaPrepared = now;
    j.times.snapshotFinished = now;
    if (accounts) jobOfType(j, JobType.RESTORE).restore.accounts = accounts.report;
  });
  return { jobId };
}

/** Above this many tables, listing the target database once beats two reads per table. */
const LIST_ABOVE = 8;

/**
 * The target's tables and views of these names: many are listed with one query each; a few are read one by
 * one, so restoring one table into a database of thousands reads two items, not the thousands.
 */
async function targetObjects(ctx: ServiceContext, db: string, names: string[]) {
  if (names.length > LIST_ABOVE) {
    return {
      tables: new Map((await ctx.catalog.listTables(db)).map((r) => [r.doc.def.name, r])),
      views: new Set((await ctx.catalog.listViews(db)).map((v) => v.name)),
    };
  }
  const tables = new Map<string, StoredRecord<TableRecord>>(), views = new Set<string>();
  await Promise.all(names.map(async (name) => {
    const [table, view] = await Promise.all([ctx.catalog.getTable(db, name), ctx.catalog.getView(db, name)]);
    if (table) tables.set(name, table);
    if (view) views.add(name);
  }));
  return { tables, views };
}

/** Views, functions and catalogs: checked now, created in COMMITTING. */
async function planMetadataObjects(ctx: ServiceContext, job: RestoreJob, meta: MetaHeader, plan: RestorePlan): Promise<void> {
  const r = job.restore;
  plan.views = [];
  for (const v of r.views ?? []) {
    const view = meta.views?.find((x) => x.name === v.name);
    if (!view) throw new AnalysisError(`View ${v.name} does not exist in snapshot ${job.label}`);
    const name = v.alias ?? v.name;
    if (await ctx.catalog.getTable(job.db, name)) throw new BadReplaceError(`Table: ${name} has existed and it is not a View`);
    plan.views.push({ ...view, id: newId(), name });
  }
  plan.functions = [];
  for (const f of r.functions ?? []) {
    const found = (meta.functions ?? []).filter((x) => x.name === f.name);
    if (!found.length) throw new AnalysisError(`Can not find restore function: ${f.name}`);
    for (const fn of found) plan.functions.push({ ...fn, id: newId(), name: f.alias ?? f.name });
  }
  plan.catalogs = [];
  for (const c of r.catalogs ?? []) {
    const cat = meta.catalogs?.find((x) => x.name === c.name);
    if (!cat) throw new AnalysisError(`Can not find restore catalog: ${c.name}`);
    const name = c.alias ?? c.name;
    if (await ctx.catalog.getCatalog(name)) throw new AnalysisError(`Failed to restore external catalog, errmsg: Can't create catalog '${name}'; catalog exists`);
    const { sealedBy, sealedSecrets, ...rest } = cat;
    const def: CatalogDef = { ...rest, id: newId(), name };
    // Sealed secrets open only in the cluster that sealed them (and under the name they were sealed with).
    if (sealedSecrets && sealedBy === ctx.clusterId) def.sealedSecrets = await ctx.sealer.seal(await ctx.sealer.unseal(sealedSecrets, `catalog:${cat.name}`), `catalog:${name}`);
    plan.catalogs.push(def);
  }
}

/**
 * Records the intent in the job first, so a cancel always knows which tables to give back. A cancel that
 * raced the hold is seen right after it (the cancel sets its flag before it reads the list), and undone.
 */
async function hold(ctx: ServiceContext, job: JobRecord, table: string): Promise<void> {
  const { jobId, db } = job;
  await fence(ctx, job);
  await ctx.control.updateJob(jobId, (j) => {
    if (j.cancelRequested || isTerminal(j.state)) throw new JobCancelledError('user cancelled');
    const held = jobOfType(j, JobType.RESTORE).restore.held;
    return held.includes(table) ? undefined : (held.push(table), j);
  });
  await ctx.catalog.changeTable(db, table, (rec) => {
    if (!rec) throw new NotFoundError(`Unknown table '${db}.${table}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
    if (rec.state === TableState.RESTORE && rec.restoreJobId === jobId) return undefined;
    if (rec.state !== TableState.NORMAL) throw new AnalysisError(`Table ${table}'s state is not NORMAL: ${rec.state}`);
    return { ...rec, state: TableState.RESTORE, restoreJobId: jobId };
  });
  const latest = (await ctx.control.requireJob(jobId)).doc;
  if (latest.cancelRequested || isTerminal(latest.state)) {
    await releaseTable(ctx, db, table, jobId);
    throw new JobCancelledError('user cancelled');
  }
}
