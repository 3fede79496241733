import { AnalysisError } from '../domain/errors.ts';
import type { Expr } from '../sql/ast.ts';
import type { ResultSet } from './result-set.ts';

/** SQL LIKE (`%` any run, `_` one character, a backslash taking the next one as is), case-insensitive as MySQL's default collation. */
export function likeRegExp(pattern: string): RegExp {
  const literal = (ch: string) => ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length) re += literal(pattern[++i] as string);
    else re += ch === '%' ? '.*' : ch === '_' ? '.' : literal(ch);
  }
  return new RegExp(`^${re}$`, 'is');
}

/** Evaluates a SHOW … WHERE over a result row, columns matched case-insensitively by title. */
export function whereFilter(columns: string[], where: Expr | undefined): (row: (string | null)[]) => boolean {
  if (!where) return () => true;
  const index = (name: string) => {
    const i = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new AnalysisError(`Unknown column '${name}' in WHERE; columns are ${columns.join(', ')}`);
    return i;
  };
  const value = (e: Expr, row: (string | null)[]): string | null => {
    if (e.kind === 'column') return row[index(e.name)] ?? null;
    if (e.kind === 'literal') return e.type === 'null' ? null : String(e.type === 'boolean' ? (e.value ? 1 : 0) : e.value);
    return test(e, row) ? '1' : '0';
  };
  const test = (e: Expr, row: (string | null)[]): boolean => {
    switch (e.kind) {
      case 'and': return test(e.left, row) && test(e.right, row);
      case 'or': return test(e.left, row) || test(e.right, row);
      case 'not': return !test(e.operand, row);
      case 'isNull': return (value(e.operand, row) === null) !== e.negated;
      case 'in': {
        const v = value(e.operand, row);
        return v !== null && e.values.some((x) => value(x, row) === v) !== e.negated;
      }
      case 'like': {
        const v = value(e.operand, row), p = value(e.pattern, row);
        if (v === null || p === null) return false;
        return likeRegExp(p).test(v) !== e.negated;
      }
      case 'compare': {
        const a = value(e.left, row), b = value(e.right, row);
        if (a === null || b === null) return false;
        const c = /^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b) ? Math.sign(Number(a) - Number(b)) : a < b ? -1 : a > b ? 1 : 0;
        return { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[e.op];
      }
      default: return value(e, row) === '1';
    }
  };
  return (row) => test(where, row);
}

/** The rows of a result that pass a SHOW … WHERE, matched against the result's own column titles. */
export function whereRows(result: ResultSet, where: Expr | undefined): ResultSet {
  return where ? { ...result, rows: result.rows.filter(whereFilter(result.columns, where)) } : result;
}
