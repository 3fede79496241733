/**
 * The snapshot format as a schema. What comes back from a repository is untrusted input: a `__meta` or
 * `__info` whose checksums were recomputed passes every integrity check, so each field is checked here, with
 * the rules statements obey (names, column types, partition values, property sizes, table definitions),
 * before a reader uses it. The shapes below mirror snapshot-types.ts field for field (the compiler holds the
 * two together); the rules that span fields (a partition value against its column's type, a tablet per
 * bucket) follow them. The first problem found is thrown as a SnapshotFieldError naming the field.
 */
import {
  type ColumnSpec, type Distribution, type FunctionDef, KeysType, type MaterializedViewInfo, type Partitioning,
  type PartitionSpec, type SyncIndexDef, type TableDef, type ViewDef,
} from './catalog-types.ts';
import { type ColumnType, normalizeType } from './column-types.ts';
import { Compression } from './compression.ts';
import { AnalysisError } from './errors.ts';
import {
  type Check, SnapshotFieldError, count, dict, distinct, distinctList, fail, field, flag, list, matching, nonEmpty, oneOf, orNull,
  followedBy, rule, shape, shown, text, validate, version,
} from './field-checks.ts';
import { checkPropertyValues } from './limits.ts';
import { checkName } from './names.ts';
import { snapshotAccounts } from './snapshot-accounts.ts';
import { FORMAT_VERSION } from './repository-layout.ts';
import type {
  PartitionSummary, SnapshotInfo, SnapshotMeta, SnapshotPartition, SnapshotSegment, SnapshotTable, SnapshotTablet,
} from './snapshot-types.ts';
import {
  canonicalDefault, canonicalPartitionValues, checkBucketNumber, checkDuplicateNames, checkHasColumns, checkKeyNullability, checkRange,
  checkRangesDisjoint, requireColumn,
} from './table-rules.ts';

/** StarRocks' snapshot timestamp, `yyyy-MM-dd-HH-mm-ss-SSS`: part of a file name, so nothing else is read. */
export const SNAPSHOT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$/;

/** The error a reader raises for a snapshot that breaks the format. */
export function invalidSnapshot(repo: string, label: string, timestamp: string, e: SnapshotFieldError): AnalysisError {
  return new AnalysisError(`Snapshot ${label} (${timestamp}) in repository ${repo} is invalid: ${e.message}`);
}

export function validateSnapshotInfo(body: unknown, stored?: { label: string; timestamp: string }): SnapshotInfo {
  return validate('__info', body, (v, at) => {
    const info = snapshotInfo(v, at);
    if (stored && info.name !== stored.label) fail('name', `${shown(info.name)}, but the file belongs to snapshot '${stored.label}'`);
    if (stored && info.timestamp !== stored.timestamp) fail('timestamp', `${shown(info.timestamp)}, but the file is __info_${stored.timestamp}`);
    (info.materialized_views ?? []).forEach((mv, i) => {
      if (!Object.hasOwn(info.backup_objects, mv)) fail(`materialized_views[${i}]`, `'${mv}' is not in backup_objects`);
    });
    if (info.totals.blobs > info.totals.files) fail('totals.blobs', `${info.totals.blobs} blobs for ${info.totals.files} files`);
    // A snapshot of users (BACKUP ALL USERS) holds them alone, and lists both its users and its roles.
    if ((info.users === undefined) !== (info.roles === undefined)) fail(info.users ? 'roles' : 'users', 'missing in a snapshot of users');
    if (info.users && info.database !== '') fail('users', `a snapshot of users has no database, but this one names '${info.database}'`);
    return info;
  });
}

export function validateSnapshotMeta(body: unknown): SnapshotMeta {
  return validate('__meta', body, (v, at) => {
    const meta = snapshotMeta(v, at);
    distinct(meta.tables.map((t) => t.def.name), (i) => `tables[${i}].def.name`);
    distinct((meta.views ?? []).map((x) => x.name), (i) => `views[${i}].name`);
    distinct((meta.catalogs ?? []).map((x) => x.name), (i) => `catalogs[${i}].name`);
    return meta;
  });
}

/**
 * One table of a `__meta` read as a stream, as validateSnapshotMeta checks `tables[index]`; `seen` holds the
 * names of the tables before it (each name once).
 */
export function validateSnapshotTable(body: unknown, index: number, seen: Set<string>): SnapshotTable {
  return validate('__meta', body, (v) => {
    const t = snapshotTable(v, `.tables[${index}]`);
    if (seen.has(t.def.name)) fail(`tables[${index}].def.name`, `'${t.def.name}' appears more than once`);
    seen.add(t.def.name);
    return t;
  });
}

// ---- the checks of this format's own values ----

/** A blob reference names `__blobs/<2 hex>/<sha256>`. */
const sha256 = matching(/^[0-9a-f]{64}$/, 'a sha256 (64 lowercase hex digits)');
/** Ids become parts of storage paths and record keys. */
const id = matching(/^[0-9A-Za-z_-]{1,64}$/, "an id (1 to 64 letters, digits, '_' or '-')");
const timestamp = matching(SNAPSHOT_TIMESTAMP, 'a snapshot timestamp (yyyy-MM-dd-HH-mm-ss-SSS)');
/** A UDF's argument and return types, as CREATE FUNCTION records them (`INT`, `VARCHAR(10)`); part of its record key. */
const typeText = matching(/^[A-Z_][A-Z0-9_]*(\([0-9]+(,[0-9]+)*\))?$/, 'a type such as INT or VARCHAR(10)');
const aggregate = matching(/^[A-Z_]+$/, 'an aggregate function such as SUM');

function name(kind: string): Check<string> {
  return (v, at) => rule(at, () => checkName(kind, text(v, at)));
}

/** '' is the database of an external-catalog snapshot. */
const databaseName: Check<string> = (v, at) => (v === '' ? '' : name('Database')(v, at));

const catalogName: Check<string> = (v, at) => {
  const n = name('Catalog')(v, at);
  return n.toLowerCase() === 'default_catalog' ? fail(at, "'default_catalog' is the internal catalog") : n;
};

const formatVersion: Check<number> = (v, at) => {
  const n = version(v, at);
  return n <= FORMAT_VERSION ? n : fail(at, `format version ${n} is newer than this reader's (${FORMAT_VERSION})`);
};

// ---- the format: `__info_<ts>` ----

const partitionSummary = shape<PartitionSummary>({ version, rows: count, bytes: count, files: count }, {});

const snapshotInfo = shape<SnapshotInfo>({
  name: name('Snapshot'),
  database: databaseName,
  timestamp,
  backup_time: count,
  finish_time: count,
  cluster_id: nonEmpty,
  format_version: formatVersion,
  meta: shape<SnapshotInfo['meta']>({ sha256, size: count }, {}),
  backup_objects: dict(name('Table'), shape<SnapshotInfo['backup_objects'][string]>({ partitions: dict(name('Partition'), partitionSummary) }, {})),
  totals: shape<SnapshotInfo['totals']>({ files: count, bytes: count, blobs: count }, {}),
  backup_result: oneOf('succeed'),
}, {
  materialized_views: distinctList(name('Materialized view')),
  views: distinctList(name('View')),
  functions: distinctList(name('Function')),
  catalogs: distinctList(catalogName),
  users: distinctList(text), // each checked as a user identity by lib/access/account-snapshot-rules.ts
  roles: distinctList(text),
  ttl: text,
  expire_time: count,
  compression: oneOf(Compression.NONE, Compression.ZSTD),
});

// ---- the format: `__meta_<ts>` ----

/** A column type in the normal form CREATE TABLE stores (`{"name": "VARCHAR", "params": [20]}`). */
const writtenType = shape<{ name: string; params: number[] }>({ name: text, params: list(count) }, {});
const columnType: Check<ColumnType> = (v, at) => {
  const written = writtenType(v, at);
  const normal = rule(at, () => normalizeType(written));
  if (normal.name !== written.name || normal.params.join() !== written.params.join()) fail(at, `expected its normal form ${JSON.stringify(normal)}`);
  return written as ColumnType;
};

const properties: Check<Record<string, string>> = followedBy(dict(text, text), (p, at) => rule(at, () => checkPropertyValues(p)));

const column = shape<ColumnSpec>(
  { name: name('Column'), type: columnType, nullable: flag, isKey: flag },
  { aggregate, autoIncrement: flag, defaultValue: orNull(text), comment: text },
);

const partitionSpec = shape<PartitionSpec>(
  { id, name: name('Partition') },
  { range: shape<NonNullable<PartitionSpec['range']>>({ lower: list(text), upper: orNull(list(text)) }, {}), values: list(list(text)) },
);

const partitioning = shape<Partitioning>({ type: oneOf('RANGE', 'LIST', 'UNPARTITIONED'), columns: list(text), partitions: list(partitionSpec) }, {});

const distribution = shape<Distribution>({ type: oneOf('HASH', 'RANDOM'), columns: list(text), buckets: count }, {});

const materializedView = shape<MaterializedViewInfo>(
  { query: text, baseTables: list(shape<MaterializedViewInfo['baseTables'][number]>({ name: name('Table') }, { db: name('Database') })), refresh: text, active: flag },
  { inactiveReason: text, lastRefreshTime: count },
);

const syncIndex = shape<SyncIndexDef>({ id, name: name('Materialized view'), columns: list(text), query: text }, {});

const tableDef = shape<TableDef>({
  id,
  name: text, // a table's or a materialized view's name, checked with its kind in checkTable
  type: oneOf('OLAP', 'MATERIALIZED_VIEW'),
  keysType: oneOf(KeysType.DUPLICATE, KeysType.UNIQUE, KeysType.PRIMARY, KeysType.AGGREGATE),
  keyColumns: list(text),
  columns: list(column),
  partitioning,
  distribution,
  properties,
  createTime: count,
}, { mv: materializedView, indexes: list(syncIndex), comment: text });

const segment = shape<SnapshotSegment>({ sha256, size: count, rows: count }, {});

const tablet = shape<SnapshotTablet>({ bucket: count, segments: list(segment) }, {});

const snapshotPartition = shape<SnapshotPartition>({ name: name('Partition'), version, tablets: list(tablet) }, { indexes: dict(name('Materialized view'), list(tablet)) });

const snapshotTable = followedBy(shape<SnapshotTable>({ def: tableDef, partitions: list(snapshotPartition) }, {}), checkTable);

const view = shape<ViewDef>({ id, name: name('View'), query: text, createTime: count }, { columns: list(text), comment: text });

const udf = shape<FunctionDef>(
  { id, name: name('Function'), argTypes: list(typeText), variadic: flag, returnType: typeText, kind: oneOf('SCALAR', 'AGGREGATE', 'TABLE'), properties, createTime: count },
  { intermediateType: typeText },
);

const catalog = shape<NonNullable<SnapshotMeta['catalogs']>[number]>(
  { id, name: catalogName, type: nonEmpty, properties, createTime: count },
  { sealedSecrets: text, comment: text, sealedBy: text },
);

const snapshotMeta = shape<SnapshotMeta>(
  { database: databaseName, tables: list(snapshotTable) },
  { views: list(view), functions: list(udf), catalogs: list(catalog), accounts: snapshotAccounts },
);

// ---- the rules of a table that span its fields, as CREATE TABLE applies them ----

function checkTable(t: SnapshotTable, at: string): void {
  const d = t.def;
  const def = (k: string) => field(field(at, 'def'), k);
  rule(def('name'), () => checkName(d.type === 'MATERIALIZED_VIEW' ? 'Materialized view' : 'Table', d.name));
  if (d.type === 'MATERIALIZED_VIEW' && !d.mv) fail(def('mv'), 'missing');
  if (d.type === 'OLAP' && d.mv) fail(def('mv'), 'unexpected field in a table of type OLAP');
  rule(def('columns'), () => checkHasColumns(d.name, d.columns.length));
  d.columns.forEach((c, i) => {
    rule(`${def('columns')}[${i}]`, () => checkKeyNullability(d.keysType, c.isKey, c.nullable, c.name));
    if (typeof c.defaultValue === 'string') rule(`${def('columns')}[${i}].defaultValue`, () => canonicalDefault(c.name, c.type, c.defaultValue!));
  });
  rule(def('columns'), () => checkDuplicateNames('column', d.columns.map((c) => c.name)));
  d.keyColumns.forEach((k, i) => rule(`${def('keyColumns')}[${i}]`, () => requireColumn(d.columns, k, 'Key column')));
  checkPartitioning(d, def('partitioning'));
  d.distribution.columns.forEach((c, i) => rule(`${def('distribution')}.columns[${i}]`, () => requireColumn(d.columns, c, 'Distribution column')));
  rule(`${def('distribution')}.buckets`, () => checkBucketNumber(d.distribution.buckets));
  const indexes = d.indexes ?? [];
  indexes.forEach((x, i) => x.columns.forEach((c, j) => rule(`${def('indexes')}[${i}].columns[${j}]`, () => requireColumn(d.columns, c, 'Index column'))));
  rule(def('indexes'), () => checkDuplicateNames('materialized view', indexes.map((x) => x.name)));
  checkData(t, at);
}

/** Partition values are values of their column's type; ranges are ordered and do not overlap. */
function checkPartitioning(d: TableDef, at: string): void {
  const p = d.partitioning;
  const types = p.columns.map((c, i) => rule(`${at}.columns[${i}]`, () => requireColumn(d.columns, c, 'Partition column')).type);
  rule(`${at}.partitions`, () => checkDuplicateNames('partition', p.partitions.map((s) => s.name)));
  const holds = p.type === 'RANGE' ? 'range' : p.type === 'LIST' ? 'values' : undefined;
  p.partitions.forEach((s, i) => {
    const sat = `${at}.partitions[${i}]`;
    for (const k of ['range', 'values'] as const) {
      if (k === holds && s[k] === undefined) fail(`${sat}.${k}`, 'missing');
      if (k !== holds && s[k] !== undefined) fail(`${sat}.${k}`, `unexpected field in a partition of a ${p.type} table`);
    }
    if (s.range) {
      rule(`${sat}.range.lower`, () => canonicalPartitionValues(types, s.range!.lower, s.name));
      if (s.range.upper) rule(`${sat}.range.upper`, () => canonicalPartitionValues(types, s.range!.upper!, s.name));
      rule(`${sat}.range`, () => checkRange(types, s, []));
    }
    s.values?.forEach((v, j) => rule(`${sat}.values[${j}]`, () => canonicalPartitionValues(types, v, s.name)));
  });
  if (p.type === 'RANGE') rule(`${at}.partitions`, () => checkRangesDisjoint(types, p.partitions));
}

/** The data are those of the defined partitions, one tablet per bucket, with every synchronous MV's tablets. */
function checkData(t: SnapshotTable, at: string): void {
  const { partitioning: { partitions: defined }, distribution: { buckets }, indexes = [] } = t.def;
  const parts = field(at, 'partitions');
  rule(parts, () => checkDuplicateNames('partition', t.partitions.map((p) => p.name)));
  t.partitions.forEach((p, i) => {
    const pat = `${parts}[${i}]`;
    if (!defined.some((s) => s.name === p.name)) fail(`${pat}.name`, `partition '${p.name}' is not in def.partitioning.partitions`);
    checkTablets(p.tablets, `${pat}.tablets`, buckets);
    const held = p.indexes ?? {};
    for (const k of Object.keys(held)) if (!indexes.some((x) => x.name === k)) fail(field(`${pat}.indexes`, k), `'${k}' is not in def.indexes`);
    for (const x of indexes) {
      if (!Object.hasOwn(held, x.name)) fail(field(`${pat}.indexes`, x.name), 'missing');
      checkTablets(held[x.name]!, field(`${pat}.indexes`, x.name), buckets);
    }
  });
  for (const s of defined) if (!t.partitions.some((p) => p.name === s.name)) fail(parts, `partition '${s.name}' of def.partitioning.partitions is missing`);
}

function checkTablets(tablets: SnapshotTablet[], at: string, buckets: number): void {
  if (tablets.length !== buckets) fail(at, `${tablets.length} tablets, but def.distribution has ${buckets} buckets`);
  tablets.forEach((t, b) => {
    if (t.bucket !== b) fail(`${at}[${b}].bucket`, `expected ${b}`);
  });
}
