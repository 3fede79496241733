import type { ColumnSpec, Distribution, Partitioning, PartitionSpec, TableDef } from '../domain/catalog-types.ts';
import { KeysType } from '../domain/catalog-types.ts';
import { normalizeType } from '../domain/column-types.ts';
import { newId } from '../domain/ids.ts';
import { checkName } from '../domain/names.ts';
import { partitionColumnTypes } from '../domain/partitioning.ts';
import {
  canonicalDefault, canonicalPartitionValues, checkBucketNumber, checkDuplicateNames, checkHasColumns, checkKeyNullability, checkRange,
  findColumn, requireColumn,
} from '../domain/table-rules.ts';
import type { StatementOf } from '../sql/ast.ts';

/** Analyzes CREATE TABLE into a table definition, with StarRocks' rules and messages (lib/domain/table-rules.ts). */
export function tableDefinition(stmt: StatementOf<'CreateTable'>, now: number): TableDef {
  const name = checkName('Table', stmt.name.name);
  checkHasColumns(name, stmt.columns.length);
  const keysType = stmt.keys?.type ?? KeysType.DUPLICATE;
  const keyColumns = stmt.keys?.columns ?? defaultKeys(stmt);
  const columns = stmt.columns.map((c): ColumnSpec => {
    checkName('Column', c.name);
    const isKey = keyColumns.some((k) => k.toLowerCase() === c.name.toLowerCase());
    const type = normalizeType(c.type);
    checkKeyNullability(keysType, isKey, c.nullable, c.name);
    const spec: ColumnSpec = { name: c.name, type, nullable: c.nullable ?? !(keysType === KeysType.PRIMARY && isKey), isKey };
    if (c.aggregate) spec.aggregate = c.aggregate.toUpperCase();
    if (c.autoIncrement) spec.autoIncrement = true;
    if (c.comment !== undefined) spec.comment = c.comment;
    if (c.defaultValue) spec.defaultValue = c.defaultValue.type === 'null' ? null : canonicalDefault(c.name, type, String(c.defaultValue.value));
    return spec;
  });
  checkDuplicateNames('column', columns.map((c) => c.name));
  for (const k of keyColumns) requireColumn(columns, k, 'Key column');
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

function partitions(stmt: StatementOf<'CreateTable'>, table: string, columns: ColumnSpec[]): Partitioning {
  const desc = stmt.partition;
  if (!desc) return { type: 'UNPARTITIONED', columns: [], partitions: [{ id: newId(), name: table }] };
  const cols = desc.columns.map((c) => requireColumn(columns, c, 'Partition column'));
  const types = cols.map((c) => c.type);
  const canon = (vals: string[], p: string) => canonicalPartitionValues(types, vals, p);
  checkDuplicateNames('partition', desc.partitions.map((p) => p.name));
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
    checkRange(types, spec, specs);
    specs.push(spec);
    lower = spec.range!.upper ?? [];
  }
  return { type: 'RANGE', ...base, partitions: specs };
}

function distributionOf(stmt: StatementOf<'CreateTable'>, columns: ColumnSpec[]): Distribution {
  const d = stmt.distribution;
  const buckets = checkBucketNumber(d?.buckets ?? 1);
  if (!d || d.type === 'RANDOM') return { type: 'RANDOM', columns: [], buckets };
  return { type: 'HASH', columns: d.columns.map((c) => requireColumn(columns, c, 'Distribution column').name), buckets };
}

export { findColumn, partitionColumnTypes };
