import { TableState } from '../domain/catalog-types.ts';
import { AlreadyExistsError, AnalysisError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { describeRange, partitionColumnTypes } from '../domain/partitioning.ts';
import type { Literal, StatementOf } from '../sql/ast.ts';
import { csvOptions } from '../cluster/csv.ts';
import { LoadScope, checkDeadline } from '../cluster/deadline.ts';
import { loadCsv } from '../cluster/load-csv.ts';
import { loadRows, refuseWhileRestoring } from '../cluster/load.ts';
import { recoverIfLapsed } from '../jobs/job-lock.ts';
import { buildRows, RowRouter } from '../cluster/row-builder.ts';
import { encodeRow } from '../cluster/segments.ts';
import { countRows, scanRows, selectPartitions } from '../cluster/scan.ts';
import { showCreateTable as createTableText } from '../cluster/show-create-table.ts';
import { tableDefinition } from '../cluster/table-definition.ts';
import { LocationUse } from '../ports/trust-guard.ts';
import type { PartitionData, PartitionSpec, TableDef, ViewDef } from '../domain/catalog-types.ts';
import type { Statement } from '../sql/ast.ts';
import { parseStatement } from '../sql/parse.ts';
import { showCreateView } from './object-statements.ts';
import { whereFilter } from './where-filter.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { collectDroppedTables } from './collect-dropped-tables.ts';
import { type ResultSet, columns, ok, table } from './result-set.ts';
import { type Session, dbOf } from './session.ts';

/** The cluster's own statements: enough DDL, DML and SHOW to create, load and inspect what is backed up. */
export async function createDatabase(ctx: ServiceContext, s: StatementOf<'CreateDatabase'>): Promise<ResultSet> {
  const now = ctx.clock.now();
  const created = await ctx.catalog.createDatabase({ id: newId(now), name: checkName('Database', s.name), createTime: now });
  if (!created && !s.ifNotExists) throw new AlreadyExistsError(`Can't create database '${s.name}'; database exists`, { mysqlCode: 'ERR_DB_CREATE_EXISTS' });
  return ok(created ? 'Query OK, 1 row affected' : 'Query OK, 0 rows affected');
}

export async function dropDatabase(ctx: ServiceContext, s: StatementOf<'DropDatabase'>): Promise<ResultSet> {
  if (!(await ctx.catalog.getDatabase(s.name))) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Can't drop database '${s.name}'; database doesn't exist`, { mysqlCode: 'ERR_DB_DROP_EXISTS' });
  }
  // A lapsed lock's job is recovered first: a restore half-way through COMMITTING must not be dropped under.
  const lock = await recoverIfLapsed(ctx, s.name);
  if (lock) throw new AnalysisError(`Can't drop database '${s.name}': backup or restore job ${lock.doc.jobId} is running on it`);
  await ctx.catalog.dropDatabase(s.name);
  await collectDroppedTables(ctx);
  return ok();
}

export async function use(ctx: ServiceContext, s: StatementOf<'Use'>, session: Session): Promise<ResultSet> {
  await ctx.catalog.requireDatabase(s.db);
  session.db = s.db;
  return ok('Database changed');
}

export async function createTable(ctx: ServiceContext, s: StatementOf<'CreateTable'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  await ctx.catalog.requireDatabase(db);
  if (s.ifNotExists && (await ctx.catalog.getTable(db, s.name.name))) return ok();
  await ctx.catalog.createTable(db, { def: tableDefinition(s, ctx.clock.now()), state: TableState.NORMAL, data: {} });
  return ok();
}

export async function dropTable(ctx: ServiceContext, s: StatementOf<'DropTable'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.name);
  const t = await ctx.catalog.getTable(db, s.name.name);
  if (!t) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Unknown table '${db}.${s.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
  }
  refuseWhileRestoring(db, t.doc);
  if (t.doc.def.mv) throw new AnalysisError(`${s.name.name} is a materialized view; use DROP MATERIALIZED VIEW`);
  await ctx.catalog.dropTable(db, t.doc);
  await collectDroppedTables(ctx);
  return ok();
}

function literalText(l: Literal): string | null {
  if (l.type === 'null') return null;
  if (l.type === 'boolean') return l.value ? '1' : '0';
  return l.value;
}

export async function insert(ctx: ServiceContext, s: StatementOf<'Insert'>, session: Session): Promise<ResultSet> {
  if (s.overwrite) throw new AnalysisError('INSERT OVERWRITE is not supported; use INSERT INTO');
  const db = dbOf(session, s.table);
  const rec = await ctx.catalog.requireTable(db, s.table.name);
  refuseWhileRestoring(db, rec.doc);
  if (rec.doc.def.mv) throw new AnalysisError(`Can not insert into materialized view ${s.table.name}; it is filled by REFRESH MATERIALIZED VIEW`);
  if (s.source.type === 'values') {
    const routed = buildRows(rec.doc.def, s.columns, s.source.rows.map((r) => r.map(literalText)), s.partitions);
    const n = await loadRows(ctx, db, s.table.name, routed, 'append', LoadScope.VALUES);
    return rowsAffected(n);
  }
  const props = s.source.properties;
  const path = props.path;
  if (!path) throw new AnalysisError('FILES() needs a "path" property');
  const format = (props.format ?? '').toLowerCase();
  if (format !== 'csv') throw new AnalysisError(`FILES() format '${props.format ?? ''}' is not supported; use "format" = "csv"`);
  // Other schemes would read with the service's own storage identity: FILES() loads local files only.
  if (!/^file:\/\//i.test(path)) throw new AnalysisError(`FILES() reads local files only, such as "path" = "file:///data/loads/t.csv"; '${path}' is not one`);
  const cut = path.lastIndexOf('/');
  const router = new RowRouter(rec.doc.def, s.columns, s.partitions, encodeRow);
  const opts = csvOptions(props);
  const source = await ctx.openLocation(path.slice(0, cut), {}, { use: LocationUse.FILES }).get(path.slice(cut + 1));
  const n = await loadCsv(ctx, db, s.table.name, router, source, opts, LoadScope.FILES);
  return rowsAffected(n);
}

const rowsAffected = (n: number) => ok(`Query OK, ${n} row${n === 1 ? '' : 's'} affected`);

export async function select(ctx: ServiceContext, s: StatementOf<'Select'>, session: Session, depth = 0): Promise<ResultSet> {
  const db = dbOf(session, s.from);
  const view = await ctx.catalog.getView(db, s.from.name);
  if (view) return selectFromView(ctx, s, view, db, depth);
  const rec = (await ctx.catalog.requireTable(db, s.from.name)).doc;
  const parts = selectPartitions(rec, s.partitions);
  const names = rec.def.columns.map((c) => c.name);
  if (!s.where && s.projection.type === 'count') return table(['count(*)'], [[countRows(rec, parts)]]);
  const keep = whereFilter(names, s.where);
  const rows = (await scanRows(ctx.data, rec, parts, s.where ? undefined : s.limit, () => checkDeadline(ctx, SELECT_SCOPE))).filter(keep);
  return project(s, names, rows);
}

const SELECT_SCOPE = {
  what: 'SELECT',
  outcome: 'It returned no rows',
  advice: 'read less at once: name partitions (PARTITION (p1, …)) or add a LIMIT',
} as const;

/** SELECT * | COUNT(*) | columns over rows already read, then LIMIT. */
function project(s: StatementOf<'Select'>, names: string[], rows: (string | null)[][]): ResultSet {
  if (s.projection.type === 'count') return table(['count(*)'], [[rows.length]]);
  const limited = s.limit === undefined ? rows : rows.slice(0, s.limit);
  if (s.projection.type === 'star') return { columns: names, rows: limited };
  const cols = s.projection.columns.map((c) => {
    if (c.expr.kind !== 'column') throw new AnalysisError('SELECT supports *, COUNT(*) and column names');
    const i = names.findIndex((n) => n.toLowerCase() === (c.expr as { name: string }).name.toLowerCase());
    if (i < 0) throw new AnalysisError(`Unknown column '${c.expr.name}'`);
    return { i, title: c.alias ?? names[i]! };
  });
  return { columns: cols.map((c) => c.title), rows: limited.map((r) => cols.map((c) => r[c.i] ?? null)) };
}

/** A view is its query: run it (when it is one this cluster can run), then apply the outer SELECT. */
async function selectFromView(ctx: ServiceContext, s: StatementOf<'Select'>, view: ViewDef, db: string, depth: number): Promise<ResultSet> {
  if (depth > 8) throw new AnalysisError(`View ${view.name} nests views too deeply`);
  let inner: Statement;
  try {
    inner = parseStatement(view.query);
  } catch {
    throw new AnalysisError(`View ${view.name} is kept as SQL text; its query is beyond what this cluster can run`);
  }
  if (inner.kind !== 'Select' || s.partitions) throw new AnalysisError(`View ${view.name} can not be read with PARTITION`);
  const result = await select(ctx, inner, { db }, depth + 1);
  const names = view.columns ?? result.columns;
  const rows = result.rows.filter(whereFilter(names, s.where));
  return project(s, names, rows);
}

export async function showDatabases(ctx: ServiceContext): Promise<ResultSet> {
  return DATABASES.of(await ctx.catalog.listDatabases());
}

const DATABASES = columns<{ name: string }>([['Database', (d) => d.name]]);

export async function showTables(ctx: ServiceContext, s: StatementOf<'ShowTables'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.db);
  await ctx.catalog.requireDatabase(db);
  const names = [...(await ctx.catalog.listTables(db)).map((t) => t.doc.def.name), ...(await ctx.catalog.listViews(db)).map((v) => v.name)];
  return columns<string>([[`Tables_in_${db}`, (n) => n]]).of(names.sort());
}

export async function showPartitions(ctx: ServiceContext, s: StatementOf<'ShowPartitions'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.table);
  const rec = (await ctx.catalog.requireTable(db, s.table.name)).doc;
  const def = rec.def;
  const types = partitionColumnTypes(def.columns, def.partitioning);
  return PARTITIONS.of(def.partitioning.partitions.map((p) => ({ def, types, p, d: rec.data[p.id] })));
}

/** A row of SHOW PARTITIONS: a partition of a table, and its data when it has any. */
interface ShownPartition {
  def: TableDef;
  types: ReturnType<typeof partitionColumnTypes>;
  p: PartitionSpec;
  d: PartitionData | undefined;
}

const PARTITIONS = columns<ShownPartition>([
  ['PartitionId', ({ p }) => p.id],
  ['PartitionName', ({ p }) => p.name],
  ['VisibleVersion', ({ d }) => d?.version ?? 1],
  ['VisibleVersionTime', ({ d }) => (d?.versionTime ? new Date(d.versionTime).toISOString().replace('T', ' ').slice(0, 19) : null)],
  ['State', () => 'NORMAL'],
  ['PartitionKey', ({ def }) => def.partitioning.columns.join(', ')],
  ['Range', ({ types, p }) => (p.range ? describeRange(types, p) : p.values ? `(${p.values.map((v) => `(${v.map((x) => `'${x}'`).join(', ')})`).join(', ')})` : '')],
  ['DistributionKey', ({ def }) => def.distribution.columns.join(', ')],
  ['Buckets', ({ def }) => def.distribution.buckets],
  ['RowCount', ({ d }) => d?.rows ?? 0],
  ['DataSize', ({ d }) => d?.bytes ?? 0],
  ['SegmentCount', ({ d }) => d?.segments ?? 0],
]);

export async function showCreateTable(ctx: ServiceContext, s: StatementOf<'ShowCreateTable'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.table);
  const view = await ctx.catalog.getView(db, s.table.name);
  if (view) return CREATE_VIEW.of([view]);
  const def = (await ctx.catalog.requireTable(db, s.table.name)).doc.def;
  return (def.mv ? CREATE_MV : CREATE_TABLE).of([def]);
}

const CREATE_VIEW = columns<ViewDef>([
  ['View', (v) => v.name],
  ['Create View', showCreateView],
  ['character_set_client', () => 'utf8'],
  ['collation_connection', () => 'utf8_general_ci'],
]);

const CREATE_MV = columns<TableDef>([
  ['Materialized View', (d) => d.name],
  ['Create Materialized View', (d) => `CREATE MATERIALIZED VIEW \`${d.name}\` ${d.mv!.refresh} AS ${d.mv!.query};`],
]);

const CREATE_TABLE = columns<TableDef>([
  ['Table', (d) => d.name],
  ['Create Table', createTableText],
]);
