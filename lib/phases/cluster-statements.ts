import { TableState } from '../domain/catalog-types.ts';
import { AlreadyExistsError, AnalysisError, NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { describeRange, partitionColumnTypes } from '../domain/partitioning.ts';
import type { Literal, StatementOf } from '../sql/ast.ts';
import { csvOptions, parseCsv } from '../cluster/csv.ts';
import { loadRows, refuseWhileRestoring } from '../cluster/load.ts';
import { buildRows } from '../cluster/row-builder.ts';
import { countRows, scanRows, selectPartitions } from '../cluster/scan.ts';
import { showCreateTable as createTableText } from '../cluster/show-create-table.ts';
import { tableDefinition } from '../cluster/table-definition.ts';
import { getText } from '../ports/object-io.ts';
import type { ServiceContext } from './context.ts';
import { type ResultSet, ok, table } from './result-set.ts';
import { type Session, dbOf } from './session.ts';

/** The cluster's own statements: enough DDL, DML and SHOW to create, load and inspect what is backed up. */
export async function createDatabase(ctx: ServiceContext, s: StatementOf<'CreateDatabase'>): Promise<ResultSet> {
  const now = ctx.clock.now();
  const created = await ctx.catalog.createDatabase({ id: newId(now), name: checkName('Database', s.name), createTime: now });
  if (!created && !s.ifNotExists) throw new AlreadyExistsError(`Can't create database '${s.name}'; database exists`);
  return ok(created ? 'Query OK, 1 row affected' : 'Query OK, 0 rows affected');
}

export async function dropDatabase(ctx: ServiceContext, s: StatementOf<'DropDatabase'>): Promise<ResultSet> {
  if (!(await ctx.catalog.getDatabase(s.name))) {
    if (s.ifExists) return ok();
    throw new NotFoundError(`Can't drop database '${s.name}'; database doesn't exist`);
  }
  const lock = await ctx.control.getLock(s.name);
  if (lock && (lock.expiresAt ?? 0) > ctx.clock.now()) throw new AnalysisError(`Can't drop database '${s.name}': backup or restore job ${lock.doc.jobId} is running on it`);
  await ctx.catalog.dropDatabase(s.name);
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
    throw new NotFoundError(`Unknown table '${db}.${s.name.name}'`);
  }
  refuseWhileRestoring(db, t.doc);
  await ctx.catalog.dropTable(db, s.name.name);
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
  let input: (string | null)[][];
  if (s.source.type === 'values') {
    input = s.source.rows.map((r) => r.map(literalText));
  } else {
    const props = s.source.properties;
    const path = props.path;
    if (!path) throw new AnalysisError('FILES() needs a "path" property');
    const format = (props.format ?? '').toLowerCase();
    if (format !== 'csv') throw new AnalysisError(`FILES() format '${props.format ?? ''}' is not supported; use "format" = "csv"`);
    const cut = path.lastIndexOf('/');
    const text = await getText(ctx.openLocation(path.slice(0, cut), {}), path.slice(cut + 1));
    input = parseCsv(text, csvOptions(props));
  }
  const routed = buildRows(rec.doc.def, s.columns, input, s.partitions);
  const n = input.length ? await loadRows(ctx, db, s.table.name, routed) : 0;
  return ok(`Query OK, ${n} row${n === 1 ? '' : 's'} affected`);
}

export async function select(ctx: ServiceContext, s: StatementOf<'Select'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.from);
  const rec = (await ctx.catalog.requireTable(db, s.from.name)).doc;
  const parts = selectPartitions(rec, s.partitions);
  if (s.where) throw new AnalysisError('WHERE is not supported in SELECT');
  if (s.projection.type === 'count') return table(['count(*)'], [[countRows(rec, parts)]]);
  if (s.projection.type !== 'star') throw new AnalysisError('SELECT supports * and COUNT(*) only');
  if (s.limit !== undefined && s.limit < 0) throw new AnalysisError(`Invalid LIMIT ${s.limit}`);
  const rows = await scanRows(ctx.data, rec, parts, s.limit);
  return { columns: rec.def.columns.map((c) => c.name), rows };
}

export async function showDatabases(ctx: ServiceContext): Promise<ResultSet> {
  return table(['Database'], (await ctx.catalog.listDatabases()).map((d) => [d.name]));
}

export async function showTables(ctx: ServiceContext, s: StatementOf<'ShowTables'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.db);
  await ctx.catalog.requireDatabase(db);
  return table([`Tables_in_${db}`], (await ctx.catalog.listTables(db)).map((t) => [t.doc.def.name]));
}

export async function showPartitions(ctx: ServiceContext, s: StatementOf<'ShowPartitions'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.table);
  const rec = (await ctx.catalog.requireTable(db, s.table.name)).doc;
  const def = rec.def;
  const types = partitionColumnTypes(def.columns, def.partitioning);
  const rows = def.partitioning.partitions.map((p) => {
    const d = rec.data[p.id];
    const range = p.range ? describeRange(types, p) : p.values ? `(${p.values.map((v) => `(${v.map((x) => `'${x}'`).join(', ')})`).join(', ')})` : '';
    return [p.id, p.name, d?.version ?? 1, d?.versionTime ? new Date(d.versionTime).toISOString().replace('T', ' ').slice(0, 19) : null, 'NORMAL',
      def.partitioning.columns.join(', '), range, def.distribution.columns.join(', '), def.distribution.buckets, d?.rows ?? 0, d?.bytes ?? 0, d?.segments ?? 0];
  });
  return table(['PartitionId', 'PartitionName', 'VisibleVersion', 'VisibleVersionTime', 'State', 'PartitionKey', 'Range', 'DistributionKey', 'Buckets', 'RowCount', 'DataSize', 'SegmentCount'], rows);
}

export async function showCreateTable(ctx: ServiceContext, s: StatementOf<'ShowCreateTable'>, session: Session): Promise<ResultSet> {
  const db = dbOf(session, s.table);
  const rec = (await ctx.catalog.requireTable(db, s.table.name)).doc;
  return table(['Table', 'Create Table'], [[rec.def.name, createTableText(rec.def)]]);
}
