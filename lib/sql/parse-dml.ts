import type { Expr, Literal, StatementOf } from './ast.ts';
import { TokenType } from './lexer.ts';
import { commaList, literal, partitionNames, propertyList, qualifiedName } from './parse-clauses.ts';
import { expression } from './parse-expression.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

type Projection = StatementOf<'Select'>['projection'];
const UNSUPPORTED_INSERT_SOURCE = 'Only VALUES and SELECT * FROM FILES(...) are supported as the source of INSERT';

/** After `INSERT`. */
export function parseInsert(ts: TokenStream): StatementBody {
  const overwrite = ts.expectOneOf(['INTO', 'OVERWRITE']) === 'OVERWRITE';
  const table = qualifiedName(ts);
  const partitions = partitionNames(ts);
  // A load label names the load job; there are no load jobs to name here.
  if (ts.optionalKeyword('WITH')) {
    ts.expectKeyword('LABEL');
    ts.identifier();
  }
  let columns: string[] | undefined;
  if (ts.optionalSymbol('(')) {
    columns = commaList(ts, () => ts.identifier());
    ts.expectSymbol(')');
  }
  const head = { kind: 'Insert' as const, table, overwrite, ...opt('partitions', partitions), ...opt('columns', columns) };
  if (ts.expectOneOf(['VALUES', 'SELECT']) === 'VALUES') {
    const rows = commaList(ts, () => valuesRow(ts));
    return { ...head, source: { type: 'values', rows } };
  }
  return { ...head, source: { type: 'files', properties: filesSource(ts) } };
}

function valuesRow(ts: TokenStream): Literal[] {
  ts.expectSymbol('(');
  const row = commaList(ts, () => literal(ts));
  ts.expectSymbol(')');
  return row;
}

/** After `INSERT … SELECT`: only `* FROM FILES(…)` can follow. */
function filesSource(ts: TokenStream) {
  const unsupported = () => ts.errorAt(ts.peek(), UNSUPPORTED_INSERT_SOURCE);
  if (!ts.isSymbol('*')) throw unsupported();
  ts.pos++;
  if (!ts.isWord('FROM')) throw unsupported();
  ts.pos++;
  if (!ts.isWord('FILES') || !ts.isSymbol('(', 1)) throw unsupported();
  ts.pos++;
  return propertyList(ts);
}

/** After `SELECT`. */
export function parseSelect(ts: TokenStream): StatementBody {
  const projection = parseProjection(ts);
  ts.expectKeyword('FROM');
  const from = qualifiedName(ts);
  const partitions = partitionNames(ts);
  const where = ts.optionalKeyword('WHERE') ? expression(ts) : undefined;
  const limit = ts.optionalKeyword('LIMIT') ? ts.integer() : undefined;
  return { kind: 'Select', projection, from, ...opt('partitions', partitions), ...opt('where', where), ...opt('limit', limit) };
}

function parseProjection(ts: TokenStream): Projection {
  if (ts.optionalSymbol('*')) return { type: 'star' };
  if (ts.isWord('COUNT') && ts.isSymbol('(', 1)) {
    ts.pos += 2;
    ts.note(`'*'`);
    ts.note(`'1'`);
    if (ts.isSymbol('*') || (ts.peek()?.type === TokenType.Number && ts.peek()?.value === '1')) ts.pos++;
    else ts.fail();
    ts.expectSymbol(')');
    // The count has no column in the AST to carry a name; the alias changes nothing else.
    if (ts.optionalKeyword('AS') || ts.isName()) ts.identifier();
    return { type: 'count' };
  }
  const columns = commaList(ts, () => {
    const expr: Expr = expression(ts);
    const named = ts.optionalKeyword('AS') || ts.isName();
    return named ? { expr, alias: ts.identifier() } : { expr };
  });
  return { type: 'columns', columns };
}
