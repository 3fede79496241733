import type { DistributionDesc, Properties, StatementOf } from './ast.ts';
import {
  distributionDesc, identifierList, ifExists, ifNotExists, optionalFromDb, propertyList, qualifiedName, rawQuery,
} from './parse-clauses.ts';
import { expression } from './parse-expression.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

type Refresh = NonNullable<StatementOf<'CreateMaterializedView'>['refresh']>;
const CLAUSES = ['COMMENT', 'PARTITION', 'DISTRIBUTED', 'REFRESH', 'ORDER', 'PROPERTIES'];

/** After `CREATE MATERIALIZED VIEW`. The clauses before AS may come in any order, each once, as in StarRocks. */
export function parseCreateMaterializedView(ts: TokenStream): StatementBody {
  const notExists = ifNotExists(ts);
  const name = qualifiedName(ts);
  let comment: string | undefined;
  let partitionBy: string[] | undefined;
  let distribution: DistributionDesc | undefined;
  let refresh: Refresh | undefined;
  let properties: Properties | undefined;
  const seen = new Set<string>();
  for (;;) {
    const tok = ts.peek();
    const clause = ts.optionalOneOf(CLAUSES);
    if (clause === undefined) break;
    if (seen.has(clause)) throw ts.errorAt(tok, `Duplicate ${clause} clause`);
    seen.add(clause);
    if (clause === 'COMMENT') comment = ts.stringLiteral();
    else if (clause === 'PARTITION') partitionBy = mvPartitionBy(ts);
    else if (clause === 'REFRESH') refresh = refreshScheme(ts);
    else if (clause === 'PROPERTIES') properties = propertyList(ts);
    else {
      ts.expectKeyword('BY');
      // ORDER BY only affects physical layout, which a backup copy does not model.
      if (clause === 'DISTRIBUTED') distribution = distributionDesc(ts);
      else identifierList(ts);
    }
  }
  ts.expectKeyword('AS');
  const query = rawQuery(ts);
  return {
    kind: 'CreateMaterializedView', name, ifNotExists: notExists, ...opt('refresh', refresh),
    ...opt('partitionBy', partitionBy), ...opt('distribution', distribution), properties: properties ?? {},
    ...opt('comment', comment), query,
  };
}

/** After `PARTITION`: `BY c` or `BY (c, …)`; a function such as date_trunc(…) is rejected. */
function mvPartitionBy(ts: TokenStream): string[] {
  ts.expectKeyword('BY');
  if (ts.isSymbol('(')) return identifierList(ts);
  const start = ts.peek();
  const column = ts.identifier();
  if (ts.isSymbol('(') || ts.isSymbol('.')) {
    throw ts.errorAt(start, 'Expression partitioning is not supported; partition a materialized view by a column');
  }
  return [column];
}

/**
 * After `REFRESH`: `[IMMEDIATE | DEFERRED] [ASYNC [START ('…')] [EVERY (INTERVAL n UNIT)] | MANUAL]`.
 * The mode is ASYNC or MANUAL when given, else the IMMEDIATE/DEFERRED word; `text` keeps the rest.
 */
function refreshScheme(ts: TokenStream): Refresh {
  const from = ts.pos - 1;
  const moment = ts.optionalOneOf(['IMMEDIATE', 'DEFERRED']);
  const type = ts.optionalOneOf(['ASYNC', 'MANUAL']);
  if (type === 'ASYNC') {
    if (ts.optionalKeyword('START')) {
      ts.expectSymbol('(');
      ts.stringLiteral();
      ts.expectSymbol(')');
    }
    if (ts.optionalKeyword('EVERY')) {
      ts.expectSymbol('(');
      ts.expectKeyword('INTERVAL');
      ts.integer();
      ts.identifier();
      ts.expectSymbol(')');
    }
  }
  const mode = (type ?? moment ?? ts.fail()) as Refresh['mode'];
  return { mode, text: ts.sourceText(from) };
}

/** After `DROP MATERIALIZED VIEW`. */
export function parseDropMaterializedView(ts: TokenStream): StatementBody {
  const exists = ifExists(ts);
  return { kind: 'DropMaterializedView', name: qualifiedName(ts), ifExists: exists };
}

/** After `REFRESH MATERIALIZED VIEW`. `WITH SYNC|ASYNC MODE` is accepted so StarRocks scripts parse; the AST has no place for it. */
export function parseRefreshMaterializedView(ts: TokenStream): StatementBody {
  const name = qualifiedName(ts);
  if (ts.optionalKeyword('WITH')) {
    ts.expectOneOf(['SYNC', 'ASYNC']);
    ts.expectKeyword('MODE');
  }
  return { kind: 'RefreshMaterializedView', name };
}

/** After `ALTER MATERIALIZED VIEW`. */
export function parseAlterMaterializedView(ts: TokenStream): StatementBody {
  const name = qualifiedName(ts);
  const active = ts.expectOneOf(['ACTIVE', 'INACTIVE']) === 'ACTIVE';
  return { kind: 'AlterMaterializedViewActive', name, active };
}

/** After `SHOW MATERIALIZED VIEWS`. */
export function parseShowMaterializedViews(ts: TokenStream): StatementBody {
  const db = optionalFromDb(ts);
  const like = ts.optionalKeyword('LIKE') ? ts.stringLiteral() : undefined;
  const where = like === undefined && ts.optionalKeyword('WHERE') ? expression(ts) : undefined;
  return { kind: 'ShowMaterializedViews', ...opt('db', db), ...opt('where', where), ...opt('like', like) };
}
