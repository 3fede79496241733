import type { ColumnSpec, Distribution, Partitioning, PartitionSpec, TableDef } from '../domain/catalog-types.ts';
import { KeysType } from '../domain/catalog-types.ts';
import { normalizeType } from '../domain/column-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { compareTuples, partitionColumnTypes, rangesIntersect } from '../domain/partitioning.ts';
import { canonicalValue } from '../domain/values.ts';
import type { StatementOf } from '../sql/ast.ts';

/** Analyzes CREATE TABLE into a table definition, with StarRocks' rules and messages. */
export function tableDefinition(stmt: StatementOf<'CreateTable'>, now: number): TableDef {
  const name = checkName('Table', stmt.name.name);
  if (stmt.columns.length === 0) throw new AnalysisError(`Table ${name} must have at least one column`);
  const keysType = stmt.keys?.type ?? KeysType.DUPLICATE;
  const keyColumns = stmt.keys?.columns ?? defaultKeys(stmt);
  const columns = stmt.columns.map((c): ColumnSpec => {
    checkName('Column', c.name);
    const isKey = keyColumns.some((k) => k.toLowerCase() === c.name.toLowerCase());
    const type = normalizeType(c.type);
    if (keysType === KeysType.PRIMARY && isKey && c.nullable === true) {
      throw new AnalysisError(`primary key column[${c.name}] cannot be nullable`);
    }
    const spec: ColumnSpec = { name: c.name, type, nullable: c.nullable ?? !(keysType === KeysType.PRIMARY && isKey), isKey };
    if (c.aggregate) spec.aggregate = c.aggregate.toUpperCase();
    if (c.autoIncrement) spec.autoIncrement = true;
    if (c.comment !== undefined) spec.comment = c.comment;
    if (c.defaultValue) spec.defaultValue = c.defaultValue.type === 'null' ? null : literalDefault(c.name, type, c.defaultValue);
    return spec;
  });
  checkDuplicates('column', columns.map((c) => c.name));
  for (const k of keyColumns) column(columns, k, 'Key column');
  const partitioning = partitions(stmt, name, columns);
  const distribution = distributionOf(stmt, columns);
  const def: TableDef = {
    id: newId(now), name, type: 'OLAP', keysType, keyColumns, columns, partitioning, distribution,
    properties: { ...stmt.properties }, createTime: now,
  };
  if (stmt.comment !== undefined) def.comment = stmt.comment;
  return def;
}

function defaultKeys(stmt: StatementOf<'CreateTable'>): string[] {
  // StarRocks picks leading columns as the sort key of a duplicate-key table when none is given.
  return [stmt.columns[0]!.name];
}

function literalDefault(col: string, type: ReturnType<typeof normalizeType>, lit: { type: string; value?: unknown }): string {
  const raw = String(lit.value);
  const v = canonicalValue(type, raw);
  if (!v.ok) throw new AnalysisError(`Invalid default value for '${col}': '${raw}' ${v.reason}`);
  return v.value;
}

function column(columns: ColumnSpec[], name: string, what: string): ColumnSpec {
  const c = columns.find((col) => col.name.toLowerCase() === name.toLowerCase());
  if (!c) throw new AnalysisError(`${what} '${name}' does not exist in the table`);
  return c;
}

function checkDuplicates(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) throw new AnalysisError(`Duplicate ${what} name '${n}'`);
    seen.add(n.toLowerCase());
  }
}

function partitions(stmt: StatementOf<'CreateTable'>, table: string, columns: ColumnSpec[]): Partitioning {
  const desc = stmt.partition;
  if (!desc) return { type: 'UNPARTITIONED', columns: [], partitions: [{ id: newId(), name: table }] };
  const cols = desc.columns.map((c) => column(columns, c, 'Partition column'));
  const types = cols.map((c) => c.type);
  const canon = (vals: string[], p: string) =>
    vals.map((raw, i) => {
      if (i >= types.length) throw new AnalysisError(`Partition ${p} has more values than partition columns`);
      const v = canonicalValue(types[i]!, raw);
      if (!v.ok) throw new AnalysisError(`Invalid partition value '${raw}' of partition ${p}: it ${v.reason}`);
      return v.value;
    });
  checkDuplicates('partition', desc.partitions.map((p) => p.name));
  const base = { columns: cols.map((c) => c.name) };
  if (desc.type === 'LIST') {
    const specs = desc.partitions.map((p): PartitionSpec => ({ id: newId(), name: checkName('Partition', p.name), values: p.values.map((v) => canon(v, p.name)) }));
    return { type: 'LIST', ...base, partitions: specs };
  }
  const specs: PartitionSpec[] = [];
  let lower: string[] = [];
  for (const p of desc.partitions) {
    checkName('Partition', p.name);
    let spec: PartitionSpec;
    if (p.fixed) {
      spec = { id: newId(), name: p.name, range: { lower: canon(p.fixed.lower, p.name), upper: canon(p.fixed.upper, p.name) } };
    } else {
      const lt = p.lessThan!;
      const upper = 'maxValue' in lt ? null : canon(lt.values, p.name);
      spec = { id: newId(), name: p.name, range: { lower, upper } };
    }
    const r = spec.range!;
    if (r.upper && compareTuples(types, r.upper, r.lower) <= 0 && r.lower.length) {
      throw new AnalysisError(`Invalid range of partition ${p.name}: the upper bound must be greater than the lower bound`);
    }
    const clash = specs.find((s) => rangesIntersect(types, s, spec));
    if (clash) throw new AnalysisError(`Range of partition ${p.name} intersects with the range of partition ${clash.name}`);
    specs.push(spec);
    lower = r.upper ?? [];
  }
  return { type: 'RANGE', ...base, partitions: specs };
}

function distributionOf(stmt: StatementOf<'CreateTable'>, columns: ColumnSpec[]): Distribution {
  const d = stmt.distribution;
  const buckets = d?.buckets ?? 1;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 1024) throw new AnalysisError(`Invalid bucket number: ${buckets}`);
  if (!d || d.type === 'RANDOM') return { type: 'RANDOM', columns: [], buckets };
  return { type: 'HASH', columns: d.columns.map((c) => column(columns, c, 'Distribution column').name), buckets };
}

export function findColumn(columns: ColumnSpec[], name: string): ColumnSpec | undefined {
  return columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

export { partitionColumnTypes };
