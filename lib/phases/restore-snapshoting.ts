import { TableState } from '../domain/catalog-types.ts';
import { AnalysisError, ConditionFailedError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { JobType, RestoreState } from '../domain/states.ts';
import type { JobRef } from '../domain/workflow.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { checkOverwrite } from './check-overwrite.ts';
import { advance, enterPhase } from './job-guard.ts';
import type { RestorePlan, RestoreTablePlan } from './restore-plan.ts';
import { readInfo, readMeta } from './snapshot-reader.ts';
import { writeStagingDoc } from './staging.ts';

/**
 * SNAPSHOTING (restore): reads and verifies `__meta`, runs the overwrite check for every table that already
 * exists, and holds those tables (state RESTORE: loads and DDL wait) until COMMITTING or cancel. New tables
 * are not created yet, so nothing is visible until the commit.
 */
export async function restoreSnapshoting(ctx: ServiceContext, { jobId }: JobRef): Promise<JobRef> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.RESTORE, RestoreState.SNAPSHOTING);
  if (done) return { jobId };
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  const info = await readInfo(store, repo, job.label, job.timestamp);
  const meta = await readMeta(store, repo, info);
  const plan: RestorePlan = { tables: [] };
  for (const obj of job.restore!.objects) {
    const snap = meta.tables.find((t) => t.def.name === obj.table);
    if (!snap) throw new AnalysisError(`Table ${obj.table} does not exist in snapshot ${job.label}`);
    const name = obj.alias ?? obj.table;
    const parts = snap.partitions.filter((p) => !obj.partitions || obj.partitions.includes(p.name));
    const existing = await ctx.catalog.getTable(job.db, name);
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
      const ow = checkOverwrite(rec.def, snap.def, name, parts.map((p) => p.name));
      const version = (id: string) => (rec.data[id]?.version ?? 1) + 1;
      tp = { name, sourceName: obj.table, mode: 'overwrite', def: ow.def, partitions: ow.partitions.map((p) => ({ ...p, version: version(p.targetId) })) };
      await hold(ctx, jobId, job.db, name);
    }
    plan.tables.push(tp);
  }
  await writeStagingDoc(ctx.data, jobId, 'plan', plan);
  const now = ctx.clock.now();
  await advance(ctx, jobId, RestoreState.DOWNLOAD, (j) => { j.times.metaPrepared = now; j.times.snapshotFinished = now; });
  return { jobId };
}

/** Records the intent in the job first, so a cancel always knows which tables to give back. */
async function hold(ctx: ServiceContext, jobId: string, db: string, table: string): Promise<void> {
  await ctx.control.updateJob(jobId, (j) => (j.restore!.held.includes(table) ? undefined : (j.restore!.held.push(table), j)));
  for (;;) {
    const cur = await ctx.catalog.requireTable(db, table);
    if (cur.doc.state === TableState.RESTORE && cur.doc.restoreJobId === jobId) return;
    if (cur.doc.state !== TableState.NORMAL) throw new AnalysisError(`Table ${table}'s state is not NORMAL: ${cur.doc.state}`);
    try {
      await ctx.catalog.replaceTable(db, { ...cur.doc, state: TableState.RESTORE, restoreJobId: jobId }, cur.version);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
}
