import { AnalysisError } from './errors.ts';

/** A normalized column type. `name` is one of TypeName; params are length or precision/scale. */
export interface ColumnType {
  name: TypeNameValue;
  params: number[];
}

export const TypeName = {
  BOOLEAN: 'BOOLEAN', TINYINT: 'TINYINT', SMALLINT: 'SMALLINT', INT: 'INT', BIGINT: 'BIGINT', LARGEINT: 'LARGEINT',
  FLOAT: 'FLOAT', DOUBLE: 'DOUBLE', DECIMAL: 'DECIMAL', CHAR: 'CHAR', VARCHAR: 'VARCHAR', DATE: 'DATE',
  DATETIME: 'DATETIME', JSON: 'JSON',
} as const;
export type TypeNameValue = (typeof TypeName)[keyof typeof TypeName];

const MAX_VARCHAR = 1_048_576;
const STRING_LENGTH = 65_533;

const INT_BITS: Partial<Record<TypeNameValue, number>> = { TINYINT: 8, SMALLINT: 16, INT: 32, BIGINT: 64, LARGEINT: 128 };
/** StarRocks' display widths in SHOW CREATE TABLE. */
const INT_WIDTH: Partial<Record<TypeNameValue, number>> = { TINYINT: 4, SMALLINT: 6, INT: 11, BIGINT: 20, LARGEINT: 40 };

const ALIASES: Record<string, TypeNameValue> = {
  BOOL: 'BOOLEAN', BOOLEAN: 'BOOLEAN', TINYINT: 'TINYINT', SMALLINT: 'SMALLINT', INT: 'INT', INTEGER: 'INT',
  BIGINT: 'BIGINT', LARGEINT: 'LARGEINT', FLOAT: 'FLOAT', DOUBLE: 'DOUBLE', DECIMAL: 'DECIMAL', DECIMALV2: 'DECIMAL',
  DECIMAL32: 'DECIMAL', DECIMAL64: 'DECIMAL', DECIMAL128: 'DECIMAL', NUMERIC: 'DECIMAL', CHAR: 'CHAR',
  VARCHAR: 'VARCHAR', STRING: 'VARCHAR', TEXT: 'VARCHAR', DATE: 'DATE', DATETIME: 'DATETIME', JSON: 'JSON',
};

/** Validates a written type (`VARCHAR(20)`, `DECIMAL(10,2)`, `STRING`) and returns its normal form. */
export function normalizeType(written: { name: string; params: number[] }): ColumnType {
  const upper = written.name.toUpperCase();
  const name = ALIASES[upper];
  const p = written.params;
  const bad = (why: string) => new AnalysisError(`Invalid type ${upper}${p.length ? `(${p.join(',')})` : ''}: ${why}`);
  if (!name) throw new AnalysisError(`Unsupported type '${written.name}'`);
  if (upper === 'STRING' || upper === 'TEXT') {
    if (p.length) throw bad('STRING takes no length');
    return { name, params: [STRING_LENGTH] };
  }
  if (name === 'CHAR' || name === 'VARCHAR') {
    if (p.length > 1) throw bad('expected one length');
    const len = p[0] ?? (name === 'CHAR' ? 1 : STRING_LENGTH);
    const max = name === 'CHAR' ? 255 : MAX_VARCHAR;
    if (!Number.isInteger(len) || len < 1 || len > max) throw bad(`length must be between 1 and ${max}`);
    return { name, params: [len] };
  }
  if (name === 'DECIMAL') {
    const precision = p[0] ?? 10;
    const scale = p[1] ?? 0;
    if (p.length > 2) throw bad('expected precision and scale');
    if (!Number.isInteger(precision) || precision < 1 || precision > 38) throw bad('precision must be between 1 and 38');
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw bad('scale must be between 0 and the precision');
    return { name, params: [precision, scale] };
  }
  // Integer display widths such as INT(11) are accepted and dropped, as MySQL and StarRocks do.
  if (INT_BITS[name] !== undefined) return { name, params: [] };
  if (p.length) throw bad('takes no parameters');
  return { name, params: [] };
}

/** The type as SHOW CREATE TABLE prints it. */
export function renderType(t: ColumnType): string {
  const lower = t.name.toLowerCase();
  const width = INT_WIDTH[t.name];
  if (width !== undefined) return `${lower}(${width})`;
  if (t.name === 'DECIMAL') return `decimal(${t.params[0]}, ${t.params[1]})`;
  if (t.name === 'CHAR' || t.name === 'VARCHAR') return `${lower}(${t.params[0]})`;
  return lower;
}

export function isIntegerType(t: ColumnType): boolean {
  return INT_BITS[t.name] !== undefined;
}

export function intRange(t: ColumnType): [bigint, bigint] {
  const bits = BigInt(INT_BITS[t.name] ?? 64);
  return [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/** Whether values of the type order as numbers rather than as text. */
export function isNumericType(t: ColumnType): boolean {
  return isIntegerType(t) || t.name === 'FLOAT' || t.name === 'DOUBLE' || t.name === 'DECIMAL' || t.name === 'BOOLEAN';
}
