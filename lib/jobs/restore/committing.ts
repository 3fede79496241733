import type { TableRecord } from '../../domain/catalog-types.ts';
import { type JobRecord, jobOfType } from '../../domain/control-types.ts';
import { type AccountRestorePlan, applyAccountRestore, reportOf } from '../../access/account-restore.ts';
import { TableState } from '../../domain/catalog-types.ts';
import { AlreadyExistsError, AnalysisError, NotFoundError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { JobType, RestoreState } from '../../domain/states.ts';
import type { JobRef } from '../../domain/workflow.ts';
import { summarize } from '../../cluster/load.ts';
import { readManifest } from '../../cluster/segments.ts';
import type { ServiceContext } from '../service-context.ts';
import { advance, enterPhase, fence } from '../job-guard.ts';
import type { RestoreCommit, RestorePlan, RestoreTablePlan } from './restore-plan.ts';
import { mapBounded } from '../../domain/map-bounded.ts';
import { clearStaging, readStagingDoc } from '../staging.ts';

const PUBLISH_AT_ONCE = 8;

/**
 * COMMITTING: publishes each table with one conditional write: a new table appears whole, an existing one
 * switches every restored partition to its new manifest at once. Safe to re-run: a table already
 * published by this job is recognised and left alone, so an interrupted commit is rolled forward.
 */
export async function restoreCommitting(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.RESTORE, RestoreState.COMMITTING);
  if (done) return { jobId };
  await publishRestore(ctx, job);
  await advance(ctx, job, RestoreState.FINISHED, (j) => { j.times.finished = ctx.clock.now(); });
  await ctx.control.locks.release(job.db, jobId, job.lockToken);
  await clearStaging(ctx.data, jobId, ctx.workers?.releaseSnapshot);
  return { jobId };
}

/** Each catalog write is preceded by the fencing check, so a run that was taken over stops before its next one. */
export async function publishRestore(ctx: ServiceContext, job: JobRecord): Promise<void> {
  const { jobId, db } = job;
  await fence(ctx, job);
  const plan = await readStagingDoc<RestorePlan>(ctx.data, jobId, 'plan');
  const commit = await readStagingDoc<RestoreCommit>(ctx.data, jobId, 'commit');
  const now = ctx.clock.now();
  if (db && (plan.tables.some((t) => t.mode === 'create') || plan.views?.length || plan.functions?.length)) {
    await fence(ctx, job);
    await ctx.catalog.createDatabase({ id: newId(now), name: db, createTime: now });
  }
  await activateRestoredMvs(ctx, db, plan);
  const commits = new Map(commit.tables.map((t) => [t.name, t]));
  // A view created under a restored table's name since SNAPSHOTING stops that table's creation: one query
  // for them all rather than a read per table.
  const views = plan.tables.some((t) => t.mode === 'create') ? new Set((await ctx.catalog.listViews(db)).map((v) => v.name)) : undefined;
  // Each table is its own conditional write: several at a time, each still after the fencing check.
  await mapBounded(plan.tables, PUBLISH_AT_ONCE, (tp) => publishTable(ctx, job, tp, commits.get(tp.name)!, views, now));
  if (plan.views?.length || plan.functions?.length || plan.catalogs?.length) await fence(ctx, job);
  for (const v of plan.views ?? []) await ctx.catalog.putView(db, v, true);
  for (const f of plan.functions ?? []) await ctx.catalog.createFunction(db, f, true);
  if (plan.accounts) await restoreAccounts(ctx, job, plan.accounts);
  for (const c of plan.catalogs ?? []) {
    const cur = await ctx.catalog.getCatalog(c.name);
    if (cur?.id === c.id) continue;
    if (cur) throw new AnalysisError(`Failed to restore external catalog, errmsg: Can't create catalog '${c.name}'; catalog exists`);
    await ctx.catalog.createCatalog(c);
  }
}

/** One table: created whole, or its restored partitions switched to their new manifests at once. */
async function publishTable(
  ctx: ServiceContext, job: JobRecord, tp: RestoreTablePlan, c: RestoreCommit['tables'][number], views: ReadonlySet<string> | undefined, now: number,
): Promise<void> {
  const { jobId, db } = job;
  const data: TableRecord['data'] = {};
  // Commit docs staged by an older version carry no summary: their manifests are read back.
  await Promise.all(c.partitions.map(async (p) => {
    data[p.targetId] = p.summary ? { ...p.summary, versionTime: now } : summarize(await readManifest(ctx.data, p.manifest), p.manifest, now);
  }));
  await fence(ctx, job);
  if (tp.mode === 'create') {
    try {
      await ctx.catalog.createTable(db, { def: tp.def, state: TableState.NORMAL, data }, views);
    } catch (e) {
      if (!(e instanceof AlreadyExistsError)) throw e;
      const cur = await ctx.catalog.getTable(db, tp.name);
      if (cur?.doc.def.id !== tp.def.id) throw new AnalysisError(`Table ${tp.name} already exist in db: ${db}`);
    }
    return;
  }
  await ctx.catalog.changeTable(db, tp.name, (cur) => {
    if (!cur) throw new NotFoundError(`Unknown table '${db}.${tp.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
    if (cur.state !== TableState.RESTORE || cur.restoreJobId !== jobId) return undefined; // published already
    return { def: tp.def, state: TableState.NORMAL, data: { ...cur.data, ...data } };
  });
}

/** Users and roles; what someone else created since SNAPSHOTING is kept, and added to the job's report. */
async function restoreAccounts(ctx: ServiceContext, job: JobRecord, plan: AccountRestorePlan): Promise<void> {
  await fence(ctx, job);
  const keptNow = await applyAccountRestore(ctx.catalog.table, plan, job.jobId);
  if (!keptNow.length) return;
  await ctx.control.updateJob(job.jobId, (j) => {
    const r = jobOfType(j, JobType.RESTORE).restore;
    const before = r.accounts ?? { kept: [], dropped: [] };
    r.accounts = reportOf([...new Set([...before.kept, ...keptNow])], before.dropped, before.more);
    return j;
  });
}

/** A restored MV is active only when its base tables exist once this restore is committed. */
async function activateRestoredMvs(ctx: ServiceContext, db: string, plan: RestorePlan): Promise<void> {
  for (const tp of plan.tables) {
    const mv = tp.def.mv;
    if (!mv || tp.mode !== 'create') continue;
    const missing: string[] = [];
    for (const b of mv.baseTables) {
      const bdb = b.db ?? db;
      const restoredHere = bdb === db && plan.tables.some((t) => t.name === b.name);
      if (!restoredHere && !(await ctx.catalog.getTable(bdb, b.name))) missing.push(`${bdb}.${b.name}`);
    }
    mv.active = missing.length === 0;
    if (missing.length) mv.inactiveReason = `base table ${missing.join(', ')} does not exist`;
    else delete mv.inactiveReason;
  }
}
