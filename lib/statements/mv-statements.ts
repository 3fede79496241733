import type { PartitionSpec, TableDef } from '../domain/catalog-types.ts';
import { KeysType, TableState } from '../domain/catalog-types.ts';
import { AnalysisError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { timeString } from '../domain/time-format.ts';
import type { StatementOf } from '../sql/ast.ts';
import { loadRows } from '../cluster/load.ts';
import { analyzeMvQuery, mvColumns, projection } from '../cluster/mv-query.ts';
import { buildRows } from '../cluster/row-builder.ts';
import { scanRows } from '../cluster/scan.ts';
import { findColumn } from '../cluster/table-definition.ts';
import { addSyncIndex, dropSyncIndex } from '../cluster/sync-index.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { collectDroppedTables } from './collect-dropped-tables.ts';
import { type ResultSet, columns, ok } from './result-set.ts';
import { type Session, dbOf } from './session.ts';
import { likeRegExp, whereFilter, whereRows } from './where-filter.ts';

/** Asynchronous materialized views: tables with a defining query, filled by REFRESH. */
export async function createMaterializedView(ctx: ServiceContext, s: StatementOf<'CreateMaterializedView'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  await ctx.catalog.requireDatabase(db);
  const name = checkName('Materialized view', s.name.name);
  const existing = (await ctx.catalog.nameTaken(db, name)) ?? (await findSyncMv(ctx, db, name));
  if (existing) {
    if (s.ifNotExists) return ok();
    throw new AnalysisError(`Table '${name}' already exists`, { mysqlCode: 'ERR_TABLE_EXISTS_ERROR' });
  }
  const q = analyzeMvQuery(s.query, name);
  // No REFRESH, DISTRIBUTED BY or PARTITION BY: a synchronous MV, an index of its one base table.
  if (!s.refresh && !s.distribution && !s.partitionBy) return createSyncMv(ctx, db, name, q, s.query);
  const baseDb = q.from.db ?? db;
  const base = (await ctx.catalog.getTable(baseDb, q.from.name))?.doc.def;
  if (!base) throw new NotFoundError(`Unknown table '${baseDb}.${q.from.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  const columns = mvColumns(q, base);
  const def: TableDef = {
    id: newId(), name, type: 'MATERIALIZED_VIEW', keysType: KeysType.DUPLICATE, keyColumns: [columns[0]!.name], columns,
    partitioning: { type: 'UNPARTITIONED', columns: [], partitions: [{ id: newId(), name }] },
    distribution: { type: 'RANDOM', columns: [], buckets: s.distribution?.buckets ?? 1 },
    properties: { ...s.properties }, createTime: ctx.clock.now(),
    mv: { query: s.query, baseTables: [q.from], refresh: s.refresh?.text ?? 'REFRESH MANUAL', active: true },
  };
  if (s.comment !== undefined) def.comment = s.comment;
  if (s.distribution?.type === 'HASH') {
    def.distribution = { type: 'HASH', columns: s.distribution.columns.map((c) => findColumn(columns, c)?.name ?? fail(`Unknown distribution column '${c}'`)), buckets: def.distribution.buckets };
  }
  if (s.partitionBy) def.partitioning = mvPartitioning(s.partitionBy, base, columns.map((c) => c.name), q.columns === 'star' ? undefined : q.columns);
  await ctx.catalog.createTable(db, { def, state: TableState.NORMAL, data: {} });
  if (s.refresh?.mode !== 'DEFERRED') await refresh(ctx, db, name);
  return ok();
}

const fail = (msg: string): never => { throw new AnalysisError(msg); };

async function createSyncMv(ctx: ServiceContext, db: string, name: string, q: ReturnType<typeof analyzeMvQuery>, query: string): Promise<ResultSet> {
  if (q.where) throw new AnalysisError(`Synchronous materialized view ${name}: WHERE is not supported; use REFRESH ASYNC for a filtered view`);
  if (q.from.db && q.from.db !== db) throw new AnalysisError(`Synchronous materialized view ${name} must be in the database of its base table`);
  const base = (await ctx.catalog.getTable(db, q.from.name))?.doc.def;
  if (!base || base.mv) throw new NotFoundError(`Unknown table '${db}.${q.from.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  const columns = q.columns === 'star' ? base.columns.map((c) => c.name) : q.columns.map((c) => {
    if (c.name !== c.base) throw new AnalysisError(`Synchronous materialized view ${name}: column aliases are not supported`);
    return findColumn(base.columns, c.base)?.name ?? fail(`Unknown column '${c.base}' in table '${base.name}'`);
  });
  await addSyncIndex(ctx, db, base.name, { id: newId(), name, columns, query });
  return ok();
}

/** The table whose synchronous MV has this name, if any. */
async function findSyncMv(ctx: ServiceContext, db: string, name: string): Promise<'table' | undefined> {
  return (await ctx.catalog.listTables(db)).some((t) => t.doc.def.indexes?.some((i) => i.name === name)) ? 'table' : undefined;
}

/** PARTITION BY a base range column: the MV takes the base table's ranges. */
function mvPartitioning(cols: string[], base: TableDef, mvCols: string[], map?: { base: string; name: string }[]): TableDef['partitioning'] {
  if (cols.length !== 1 || base.partitioning.type !== 'RANGE') throw new AnalysisError('Materialized views can be partitioned only by the range partition column of their base table');
  const baseName = map?.find((m) => m.name.toLowerCase() === cols[0]!.toLowerCase())?.base ?? cols[0]!;
  if (!base.partitioning.columns.some((c) => c.toLowerCase() === baseName.toLowerCase()) || !mvCols.some((c) => c.toLowerCase() === cols[0]!.toLowerCase())) {
    throw new AnalysisError(`Partition column '${cols[0]}' of the materialized view must be the partition column of its base table`);
  }
  return { type: 'RANGE', columns: [cols[0]!], partitions: base.partitioning.partitions.map((p): PartitionSpec => ({ ...structuredClone(p), id: newId() })) };
}

export async function refresh(ctx: ServiceContext, db: string, name: string): Promise<number> {
  const rec = (await ctx.catalog.requireTable(db, name)).doc;
  const mv = rec.def.mv;
  if (!mv) throw new AnalysisError(`${name} is not a materialized view`);
  if (!mv.active) throw new AnalysisError(`Materialized view ${name} is not active, because: ${mv.inactiveReason ?? 'unknown'}. Use ALTER MATERIALIZED VIEW ${name} ACTIVE first`);
  const q = analyzeMvQuery(mv.query, name);
  const base = (await ctx.catalog.getTable(q.from.db ?? db, q.from.name))?.doc;
  if (!base) throw new AnalysisError(`Base table ${q.from.db ?? db}.${q.from.name} of materialized view ${name} does not exist`);
  const keep = whereFilter(base.def.columns.map((c) => c.name), q.where);
  const cols = projection(q, base.def);
  const rows = (await scanRows(ctx.data, base, base.def.partitioning.partitions)).filter(keep).map((r) => cols.map((i) => r[i] ?? null));
  const n = await loadRows(ctx, db, name, buildRows(rec.def, undefined, rows), 'replace');
  await setMv(ctx, db, name, (d) => { d.mv!.lastRefreshTime = ctx.clock.now(); });
  return n;
}

function setMv(ctx: ServiceContext, db: string, name: string, change: (d: TableDef) => void): Promise<void> {
  return ctx.catalog.updateTable(db, name, (rec) => change(rec.def));
}

async function requireMv(ctx: ServiceContext, db: string, name: string): Promise<TableDef> {
  const def = (await ctx.catalog.getTable(db, name))?.doc.def;
  if (!def?.mv) throw new NotFoundError(`Unknown materialized view '${db}.${name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  return def;
}

export async function refreshMaterializedView(ctx: ServiceContext, s: StatementOf<'RefreshMaterializedView'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  await requireMv(ctx, db, s.name.name);
  const n = await refresh(ctx, db, s.name.name);
  return ok(`Query OK, ${n} row${n === 1 ? '' : 's'} affected`);
}

/** ACTIVE checks the base tables exist again (after a restore without them), then refreshes. */
export async function alterMaterializedViewActive(ctx: ServiceContext, s: StatementOf<'AlterMaterializedViewActive'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  const def = await requireMv(ctx, db, s.name.name);
  if (s.active) {
    for (const b of def.mv!.baseTables) {
      if (!(await ctx.catalog.getTable(b.db ?? db, b.name))) {
        throw new AnalysisError(`Can not activate materialized view ${def.name}: base table ${b.db ?? db}.${b.name} does not exist`);
      }
    }
  }
  await setMv(ctx, db, def.name, (d) => {
    d.mv!.active = s.active;
    if (s.active) delete d.mv!.inactiveReason;
    else d.mv!.inactiveReason = 'user use alter materialized view set status to inactive';
  });
  if (s.active) await refresh(ctx, db, def.name);
  return ok();
}

export async function dropMaterializedView(ctx: ServiceContext, s: StatementOf<'DropMaterializedView'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  const rec = await ctx.catalog.getTable(db, s.name.name);
  const owner = (await ctx.catalog.listTables(db)).find((t) => t.doc.def.indexes?.some((i) => i.name === s.name.name));
  if (!rec && owner) {
    await dropSyncIndex(ctx, db, owner.doc.def.name, s.name.name);
    return ok();
  }
  if (!rec?.doc.def.mv) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Unknown materialized view '${db}.${s.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  }
  if (rec.doc.state !== TableState.NORMAL) throw new AnalysisError(`Materialized view ${s.name.name} is being restored; drop it after the restore`);
  await ctx.catalog.dropTable(db, rec.doc);
  await collectDroppedTables(ctx);
  return ok();
}

/** A row of SHOW MATERIALIZED VIEWS: an asynchronous MV (a table of its own) or a synchronous one (an index). */
interface ShownMv {
  id: string;
  db: string;
  name: string;
  refreshType: string;
  active: boolean;
  inactiveReason: string;
  partitionType: string;
  lastRefreshTime: number | undefined;
  rows: number;
  text: string;
}

const MATERIALIZED_VIEWS = columns<ShownMv>([
  ['id', (m) => m.id],
  ['database_name', (m) => m.db],
  ['name', (m) => m.name],
  ['refresh_type', (m) => m.refreshType],
  ['is_active', (m) => String(m.active)],
  ['inactive_reason', (m) => m.inactiveReason],
  ['partition_type', (m) => m.partitionType],
  ['last_refresh_finished_time', (m) => timeString(m.lastRefreshTime)],
  ['rows', (m) => String(m.rows)],
  ['text', (m) => m.text],
]);

export async function showMaterializedViews(ctx: ServiceContext, s: StatementOf<'ShowMaterializedViews'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.db);
  await ctx.catalog.requireDatabase(db);
  const like = s.like ? likeRegExp(s.like) : undefined;
  const tables = (await ctx.catalog.listTables(db)).map((r) => r.doc);
  const shown: ShownMv[] = tables.filter((t) => t.def.mv && (!like || like.test(t.def.name))).map((t) => {
    const mv = t.def.mv!;
    return {
      id: t.def.id, db, name: t.def.name, refreshType: /MANUAL/i.test(mv.refresh) ? 'MANUAL' : 'ASYNC', active: mv.active, inactiveReason: mv.inactiveReason ?? '',
      partitionType: t.def.partitioning.type, lastRefreshTime: mv.lastRefreshTime, rows: Object.values(t.data).reduce((n, d) => n + d.rows, 0),
      text: `CREATE MATERIALIZED VIEW \`${t.def.name}\` ${mv.refresh} AS ${mv.query}`,
    };
  });
  // Synchronous MVs are listed too, as StarRocks lists them, with refresh type ROLLUP.
  for (const t of tables) {
    for (const i of t.def.indexes ?? []) {
      if (like && !like.test(i.name)) continue;
      shown.push({
        id: i.id, db, name: i.name, refreshType: 'ROLLUP', active: true, inactiveReason: '', partitionType: t.def.partitioning.type, lastRefreshTime: undefined,
        rows: Object.values(t.data).reduce((n, d) => n + (d.indexRows?.[i.name] ?? 0), 0), text: `CREATE MATERIALIZED VIEW \`${i.name}\` AS ${i.query}`,
      });
    }
  }
  return whereRows(MATERIALIZED_VIEWS.of(shown), s.where);
}
