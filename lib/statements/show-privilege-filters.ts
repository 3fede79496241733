import { DEFAULT_CATALOG } from '../access/privilege-types.ts';
import type { StatementOf } from '../sql/ast.ts';
import type { ResultSet } from './result-set.ts';
import type { ResultFilter, StatementGuard } from './statement-guard.ts';

/**
 * The SHOWs StarRocks filters row by row in fe-core qe/ShowExecutor rather than refusing: a row stays when
 * the session holds any privilege on what it names.
 */
const keep = async (rs: ResultSet, column: number, visible: (name: string, row: (string | null)[]) => boolean | Promise<boolean>): Promise<ResultSet> => {
  const rows: (string | null)[][] = [];
  for (const row of rs.rows) if (await visible(String(row[column]), row)) rows.push(row);
  return { ...rs, rows };
};

/** visitShowDatabasesStatement: Authorizer.checkAnyActionOnOrInDb per database. */
export const showDatabasesFilter = (g: StatementGuard): ResultFilter => (rs) => keep(rs, 0, (db) => g.set.hasAnyInDatabase(db));

/** visitShowTableStatement: any privilege on the view, the materialized view or the table. */
export function showTablesFilter(g: StatementGuard, s: StatementOf<'ShowTables'>): ResultFilter | undefined {
  const db = g.dbOf(s.db);
  if (db === undefined) return undefined;
  return (rs) => keep(rs, 0, async (name) => {
    const type = (await g.tableLike(db, name)) ?? 'TABLE';
    return g.set.hasAny({ type, db, name });
  });
}

/** handleShowCatalogs: the internal catalog always, an external one with any privilege on it. */
export const showCatalogsFilter = (g: StatementGuard): ResultFilter => (rs) =>
  keep(rs, 0, (catalog) => catalog === DEFAULT_CATALOG || g.set.hasAny({ type: 'CATALOG', catalog }));

/** visitShowFunctionsStatement: checkAnyActionOnFunction per database function; builtins are not filtered. */
export function showFunctionsFilter(g: StatementGuard, s: StatementOf<'ShowFunctions'>): ResultFilter | undefined {
  const db = g.dbOf(s.db);
  if (s.builtin || db === undefined) return undefined;
  const nameOf = (sig: string) => sig.slice(0, sig.indexOf('(') < 0 ? sig.length : sig.indexOf('('));
  return (rs) => keep(rs, 0, (sig) => (s.global ? g.set.hasAny({ type: 'GLOBAL FUNCTION', name: nameOf(sig) }) : g.set.hasAny({ type: 'FUNCTION', db, name: nameOf(sig) })));
}

/**
 * handleShowMaterializedView: any privilege on an asynchronous MV; a synchronous one (a ROLLUP index) is
 * part of its base table, so any privilege on that table.
 */
export function showMaterializedViewsFilter(g: StatementGuard, s: StatementOf<'ShowMaterializedViews'>): ResultFilter | undefined {
  const db = g.dbOf(s.db);
  if (db === undefined) return undefined;
  return async (rs) => {
    const nameAt = rs.columns.indexOf('name');
    const typeAt = rs.columns.indexOf('refresh_type');
    const tables = (await g.ctx.catalog.listTables(db)).map((r) => r.doc.def);
    return keep(rs, nameAt, (name, row) => {
      if (row[typeAt] !== 'ROLLUP') return g.set.hasAny({ type: 'MATERIALIZED VIEW', db, name });
      const base = tables.find((t) => (t.indexes ?? []).some((i) => i.name === name));
      return base !== undefined && g.set.hasAny({ type: 'TABLE', db, name: base.name });
    });
  };
}
