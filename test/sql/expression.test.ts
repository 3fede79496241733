import { describe, expect, it } from 'vitest';
import type { Expr } from '../../lib/sql/ast.ts';
import { parseExpression } from '../../lib/sql/parse.ts';

const col = (name: string): Expr => ({ kind: 'column', name });
const num = (value: string): Expr => ({ kind: 'literal', type: 'number', value });
const str = (value: string): Expr => ({ kind: 'literal', type: 'string', value });
const eq = (left: Expr, right: Expr): Expr => ({ kind: 'compare', op: '=', left, right });

describe('expressions', () => {
  it('reads every comparison operator, <> as !=', () => {
    const ops = { '=': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;
    for (const [written, op] of Object.entries(ops)) {
      expect(parseExpression(`a ${written} 1`)).toEqual({ kind: 'compare', op, left: col('a'), right: num('1') });
    }
  });

  it('binds NOT looser than comparisons, AND tighter than OR, and chains left to right', () => {
    expect(parseExpression('a = 1 OR b = 2 AND NOT c = 3')).toEqual({
      kind: 'or',
      left: eq(col('a'), num('1')),
      right: { kind: 'and', left: eq(col('b'), num('2')), right: { kind: 'not', operand: eq(col('c'), num('3')) } },
    });
    expect(parseExpression('a && b || c && d')).toEqual({
      kind: 'or', left: { kind: 'and', left: col('a'), right: col('b') }, right: { kind: 'and', left: col('c'), right: col('d') },
    });
    expect(parseExpression('a OR b OR c')).toEqual({ kind: 'or', left: { kind: 'or', left: col('a'), right: col('b') }, right: col('c') });
  });

  it('follows parentheses', () => {
    expect(parseExpression('(a = 1 OR b = 2) AND ((c))')).toEqual({
      kind: 'and', left: { kind: 'or', left: eq(col('a'), num('1')), right: eq(col('b'), num('2')) }, right: col('c'),
    });
  });

  it('reads [NOT] IN, IS [NOT] NULL and [NOT] LIKE', () => {
    expect(parseExpression("`Snapshot` NOT IN ('a', -1, NULL)")).toEqual({
      kind: 'in', operand: col('Snapshot'), values: [str('a'), num('-1'), { kind: 'literal', type: 'null' }], negated: true,
    });
    expect(parseExpression('x IN (1)')).toEqual({ kind: 'in', operand: col('x'), values: [num('1')], negated: false });
    expect(parseExpression('x IS NULL')).toEqual({ kind: 'isNull', operand: col('x'), negated: false });
    expect(parseExpression('x is not null')).toEqual({ kind: 'isNull', operand: col('x'), negated: true });
    expect(parseExpression("x LIKE 'a%'")).toEqual({ kind: 'like', operand: col('x'), pattern: str('a%'), negated: false });
    expect(parseExpression("x NOT LIKE 'a%'")).toEqual({ kind: 'like', operand: col('x'), pattern: str('a%'), negated: true });
    expect(parseExpression('NOT x IS NULL')).toEqual({ kind: 'not', operand: { kind: 'isNull', operand: col('x'), negated: false } });
  });

  it('reads boolean literals and non-reserved words as columns', () => {
    expect(parseExpression('active = TRUE AND snapshot != false')).toEqual({
      kind: 'and',
      left: eq(col('active'), { kind: 'literal', type: 'boolean', value: true }),
      right: { kind: 'compare', op: '!=', left: col('snapshot'), right: { kind: 'literal', type: 'boolean', value: false } },
    });
  });
});
