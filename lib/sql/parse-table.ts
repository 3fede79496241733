import { KeysType, type ColumnDef, type ListPartitionDef, type PartitionDesc, type RangePartitionDef } from './ast.ts';
import { TokenType } from './lexer.ts';
import {
  commaList, distributionDesc, identifierList, ifNotExists, literal, optionalProperties, qualifiedName, typeRef,
} from './parse-clauses.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

const AGGREGATES = ['SUM', 'MAX', 'MIN', 'REPLACE', 'REPLACE_IF_NOT_NULL', 'HLL_UNION', 'BITMAP_UNION'];
const COLUMN_CLAUSES = ['NOT', 'NULL', 'AUTO_INCREMENT', 'DEFAULT', 'COMMENT', ...AGGREGATES];
const KEY_WORDS = ['DUPLICATE', 'UNIQUE', 'PRIMARY', 'AGGREGATE'] as const;
const EXPRESSION_PARTITIONING =
  'Expression partitioning is not supported; use PARTITION BY RANGE (...) or PARTITION BY LIST (...)';

/** After `CREATE TABLE`. Clauses come in StarRocks' order: engine, keys, comment, partition, distribution, order, properties. */
export function parseCreateTable(ts: TokenStream): StatementBody {
  const notExists = ifNotExists(ts);
  const name = qualifiedName(ts);
  ts.expectSymbol('(');
  const columns = commaList(ts, () => columnDef(ts));
  ts.expectSymbol(')');
  if (ts.optionalKeyword('ENGINE')) {
    ts.expectSymbol('=');
    const engineToken = ts.peek();
    const engine = ts.identifier();
    if (engine.toUpperCase() !== 'OLAP') throw ts.errorAt(engineToken, `Unsupported engine '${engine}': only OLAP tables are supported`);
  }
  const keysWord = ts.optionalOneOf(KEY_WORDS) as (typeof KEY_WORDS)[number] | undefined;
  let keys;
  if (keysWord !== undefined) {
    ts.expectKeyword('KEY');
    keys = { type: KeysType[keysWord], columns: identifierList(ts) };
  }
  const comment = ts.optionalKeyword('COMMENT') ? ts.stringLiteral() : undefined;
  let partition: PartitionDesc | undefined;
  if (ts.optionalKeyword('PARTITION')) {
    ts.expectKeyword('BY');
    partition = partitionDesc(ts);
  }
  let distribution;
  if (ts.optionalKeyword('DISTRIBUTED')) {
    ts.expectKeyword('BY');
    distribution = distributionDesc(ts);
  }
  // The sort key only affects physical layout, which a backup copy does not model.
  if (ts.optionalKeyword('ORDER')) {
    ts.expectKeyword('BY');
    identifierList(ts);
  }
  const properties = optionalProperties(ts);
  return {
    kind: 'CreateTable', name, ifNotExists: notExists, columns,
    ...opt('keys', keys), ...opt('partition', partition), ...opt('distribution', distribution),
    properties, ...opt('comment', comment),
  };
}

/** `name TYPE` then NULL-ness, AUTO_INCREMENT, DEFAULT, COMMENT and an aggregate, in any order, each once. */
function columnDef(ts: TokenStream): ColumnDef {
  const name = ts.identifier();
  const col: ColumnDef = { name, type: typeRef(ts) };
  const seen = new Set<string>();
  for (;;) {
    const tok = ts.peek();
    const word = ts.optionalOneOf(COLUMN_CLAUSES);
    if (word === undefined) return col;
    const clause = word === 'NOT' ? 'NULL' : AGGREGATES.includes(word) ? 'aggregate' : word;
    if (seen.has(clause)) throw ts.errorAt(tok, `Column '${name}' has more than one ${clause} clause`);
    seen.add(clause);
    if (word === 'NOT') ts.expectKeyword('NULL');
    if (clause === 'NULL') col.nullable = word === 'NULL';
    else if (clause === 'aggregate') col.aggregate = word;
    else if (word === 'AUTO_INCREMENT') col.autoIncrement = true;
    else if (word === 'COMMENT') col.comment = ts.stringLiteral();
    else if (ts.optionalKeyword('CURRENT_TIMESTAMP')) {
      // The AST has no function default; the analyzer can tell it apart on DATETIME columns,
      // where the string 'CURRENT_TIMESTAMP' is not a valid value anyway.
      col.defaultValue = { kind: 'literal', type: 'string', value: 'CURRENT_TIMESTAMP' };
    } else col.defaultValue = literal(ts);
  }
}

/** After `PARTITION BY`. */
function partitionDesc(ts: TokenStream): PartitionDesc {
  const start = ts.peek();
  const type = ts.optionalOneOf(['RANGE', 'LIST']);
  if (type === undefined && ts.atEnd()) ts.fail();
  if (type === undefined || !ts.isSymbol('(')) throw ts.errorAt(start, EXPRESSION_PARTITIONING);
  const columns = identifierList(ts);
  ts.expectSymbol('(');
  if (type === 'RANGE') {
    const partitions = ts.isSymbol(')') ? [] : commaList(ts, () => rangePartition(ts));
    ts.expectSymbol(')');
    return { type: 'RANGE', columns, partitions };
  }
  const partitions = commaList(ts, () => listPartition(ts));
  ts.expectSymbol(')');
  return { type: 'LIST', columns, partitions };
}

function rangePartition(ts: TokenStream): RangePartitionDef {
  ts.expectKeyword('PARTITION');
  const name = ts.identifier();
  ts.expectKeyword('VALUES');
  if (ts.optionalSymbol('[')) {
    const lower = valueTuple(ts);
    ts.expectSymbol(',');
    const upper = valueTuple(ts);
    ts.expectSymbol(')');
    return { name, fixed: { lower, upper } };
  }
  ts.expectKeyword('LESS');
  ts.expectKeyword('THAN');
  if (ts.optionalKeyword('MAXVALUE')) return { name, lessThan: { maxValue: true } };
  if (ts.isSymbol('(') && ts.isWord('MAXVALUE', 1) && ts.isSymbol(')', 2)) {
    ts.pos += 3;
    return { name, lessThan: { maxValue: true } };
  }
  return { name, lessThan: { values: valueTuple(ts) } };
}

function listPartition(ts: TokenStream): ListPartitionDef {
  ts.expectKeyword('PARTITION');
  const name = ts.identifier();
  ts.expectKeyword('VALUES');
  ts.expectKeyword('IN');
  ts.expectSymbol('(');
  const values = ts.isSymbol('(') ? commaList(ts, () => valueTuple(ts)) : commaList(ts, () => [boundValue(ts)]);
  ts.expectSymbol(')');
  return { name, values };
}

function valueTuple(ts: TokenStream): string[] {
  ts.expectSymbol('(');
  const values = commaList(ts, () => boundValue(ts));
  ts.expectSymbol(')');
  return values;
}

/** A partition bound: a quoted string or a number, kept as text. */
function boundValue(ts: TokenStream): string {
  ts.note('a partition value');
  const t = ts.peek();
  if (t?.type === TokenType.String) return ts.next().value;
  const negative = ts.isSymbol('-') && ts.peek(1)?.type === TokenType.Number;
  if (negative) ts.pos++;
  if (ts.peek()?.type !== TokenType.Number) return ts.fail();
  return (negative ? '-' : '') + ts.next().value;
}
