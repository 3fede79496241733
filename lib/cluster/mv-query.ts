import type { ColumnSpec, TableDef } from '../domain/catalog-types.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { Expr, StatementOf } from '../sql/ast.ts';
import { parseStatement } from '../sql/parse.ts';
import { findColumn } from './table-definition.ts';

/**
 * The query of a materialized view, as far as this cluster can run it: one table, a projection of its
 * columns (optionally renamed), an optional WHERE. Joins and aggregates are refused at CREATE time.
 */
export interface MvQuery {
  from: { db?: string; name: string };
  /** Base column per MV column, with the MV column's name. */
  columns: { base: string; name: string }[] | 'star';
  where?: Expr;
}

export function analyzeMvQuery(text: string, mvName: string): MvQuery {
  let stmt;
  try {
    stmt = parseStatement(text);
  } catch (e) {
    throw new AnalysisError(`Materialized view ${mvName}: only single-table SELECT queries with column lists and WHERE are supported (${(e as Error).message})`);
  }
  if (stmt.kind !== 'Select') throw new AnalysisError(`Materialized view ${mvName} must be defined by a SELECT`);
  const sel = stmt as StatementOf<'Select'>;
  if (sel.limit !== undefined || sel.partitions) throw new AnalysisError(`Materialized view ${mvName}: LIMIT and PARTITION are not supported in its query`);
  if (sel.projection.type === 'count') throw new AnalysisError(`Materialized view ${mvName}: aggregates are not supported in its query`);
  const from = { ...(sel.from.db ? { db: sel.from.db } : {}), name: sel.from.name };
  const columns = sel.projection.type === 'star' ? 'star' : sel.projection.columns.map((c) => {
    if (c.expr.kind !== 'column') throw new AnalysisError(`Materialized view ${mvName}: only plain columns are supported in its select list`);
    return { base: c.expr.name, name: c.alias ?? c.expr.name };
  });
  return { from, columns, ...(sel.where ? { where: sel.where } : {}) };
}

/** The MV's columns, typed from the base table. */
export function mvColumns(q: MvQuery, base: TableDef): ColumnSpec[] {
  const pick = q.columns === 'star' ? base.columns.map((c) => ({ base: c.name, name: c.name })) : q.columns;
  return pick.map((p, i) => {
    const col = findColumn(base.columns, p.base);
    if (!col) throw new AnalysisError(`Unknown column '${p.base}' in table '${base.name}'`);
    const { aggregate: _a, autoIncrement: _b, ...rest } = col;
    return { ...rest, name: p.name, isKey: i === 0 };
  });
}

/** Positions of the MV columns in the base table's rows. */
export function projection(q: MvQuery, base: TableDef): number[] {
  const pick = q.columns === 'star' ? base.columns.map((c) => c.name) : q.columns.map((c) => c.base);
  return pick.map((n) => base.columns.indexOf(findColumn(base.columns, n)!));
}
