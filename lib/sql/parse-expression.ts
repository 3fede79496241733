import type { Expr } from './ast.ts';
import { TokenType } from './lexer.ts';
import { literal } from './parse-clauses.ts';
import { MAX_DEPTH, type TokenStream } from './token-stream.ts';

type CompareOp = Extract<Expr, { kind: 'compare' }>['op'];
const COMPARE_OPS: Record<string, CompareOp> = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * A boolean/scalar expression for WHERE clauses. Precedence, loosest first: OR (`||`), AND (`&&`),
 * NOT, then one comparison / IN / IS NULL / LIKE on primaries.
 */
export function expression(ts: TokenStream): Expr {
  const first = ts.peek();
  const e = orExpr(ts);
  // Long AND/OR chains build deep trees without deep parser recursion; bound them too, because
  // whoever evaluates the tree will recurse.
  if (depthOf(e) > MAX_DEPTH) throw ts.errorAt(first, `Expression is nested more than ${MAX_DEPTH} levels deep`);
  return e;
}

function orExpr(ts: TokenStream): Expr {
  let left = andExpr(ts);
  while (ts.optionalKeyword('OR') || ts.optionalSymbol('||')) left = { kind: 'or', left, right: andExpr(ts) };
  return left;
}

function andExpr(ts: TokenStream): Expr {
  let left = notExpr(ts);
  while (ts.optionalKeyword('AND') || ts.optionalSymbol('&&')) left = { kind: 'and', left, right: notExpr(ts) };
  return left;
}

function notExpr(ts: TokenStream): Expr {
  if (!ts.peekKeyword('NOT')) return predicate(ts);
  ts.enter();
  ts.pos++;
  const operand = notExpr(ts);
  ts.leave();
  return { kind: 'not', operand };
}

function predicate(ts: TokenStream): Expr {
  const operand = primary(ts);
  for (const sym of Object.keys(COMPARE_OPS)) ts.note(`'${sym}'`);
  const t = ts.peek();
  const op = t?.type === TokenType.Symbol ? COMPARE_OPS[t.value] : undefined;
  if (op !== undefined) {
    ts.pos++;
    return { kind: 'compare', op, left: operand, right: primary(ts) };
  }
  if (ts.optionalKeyword('IS')) {
    const negated = ts.optionalKeyword('NOT');
    ts.expectKeyword('NULL');
    return { kind: 'isNull', operand, negated };
  }
  ts.note(`'NOT'`);
  const negated = ts.isWord('NOT') && (ts.isWord('IN', 1) || ts.isWord('LIKE', 1));
  if (negated) ts.pos++;
  if (ts.optionalKeyword('IN')) {
    ts.expectSymbol('(');
    const values = [primary(ts)];
    while (ts.optionalSymbol(',')) values.push(primary(ts));
    ts.expectSymbol(')');
    return { kind: 'in', operand, values, negated };
  }
  if (ts.optionalKeyword('LIKE')) return { kind: 'like', operand, pattern: primary(ts), negated };
  return operand;
}

function primary(ts: TokenStream): Expr {
  if (ts.isSymbol('(')) {
    ts.enter();
    ts.pos++;
    const inner = orExpr(ts);
    ts.leave();
    ts.expectSymbol(')');
    return inner;
  }
  if (ts.isName()) return { kind: 'column', name: ts.next().value };
  return literal(ts, 'an expression');
}

function depthOf(root: Expr): number {
  let max = 0;
  const stack: [Expr, number][] = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [e, d] = item;
    max = Math.max(max, d);
    for (const child of children(e)) stack.push([child, d + 1]);
  }
  return max;
}

function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'compare':
    case 'and':
    case 'or':
      return [e.left, e.right];
    case 'not':
    case 'isNull':
      return [e.operand];
    case 'in':
      return [e.operand, ...e.values];
    case 'like':
      return [e.operand, e.pattern];
    default:
      return [];
  }
}
