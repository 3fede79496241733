import type { CatalogRefs, ObjectRef } from './ast.ts';
import {
  commaList, optionalFromDb, optionalProperties, partitionNames, qualifiedName,
} from './parse-clauses.ts';
import { expression } from './parse-expression.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

/** After `CREATE [READ ONLY] REPOSITORY`. `WITH BROKER` without a name means broker-less access. */
export function parseCreateRepository(ts: TokenStream, readOnly: boolean): StatementBody {
  const name = ts.identifier();
  ts.expectKeyword('WITH');
  ts.expectKeyword('BROKER');
  const broker = ts.peekKeyword('ON') ? undefined : ts.identifierOrString();
  ts.expectKeyword('ON');
  ts.expectKeyword('LOCATION');
  const location = ts.stringLiteral();
  const properties = optionalProperties(ts);
  return { kind: 'CreateRepository', name, readOnly, ...opt('broker', broker), location, properties };
}

/** After `BACKUP`: the 3.4 grammar, which still accepts the legacy `SNAPSHOT db.s` form. */
export function parseBackup(ts: TokenStream): StatementBody {
  const { catalogs, accounts } = clusterObjects(ts, false);
  const db = ts.optionalKeyword('DATABASE') ? ts.identifier() : undefined;
  ts.expectKeyword('SNAPSHOT');
  const snapshot = qualifiedName(ts);
  ts.expectKeyword('TO');
  const repo = ts.identifier();
  const on = objectList(ts);
  const properties = optionalProperties(ts);
  return {
    kind: 'Backup', ...opt('db', db), snapshot, repo, ...opt('catalogs', catalogs), ...opt('accounts', accounts), ...opt('on', on), properties,
  };
}

/** After `RESTORE`. PROPERTIES may be missing; the analyzer reports the missing backup_timestamp. */
export function parseRestore(ts: TokenStream): StatementBody {
  ts.expectKeyword('SNAPSHOT');
  const snapshot = qualifiedName(ts);
  ts.expectKeyword('FROM');
  const repo = ts.identifier();
  const { catalogs, accounts } = clusterObjects(ts, true);
  let db: string | undefined;
  let dbAlias: string | undefined;
  if (ts.optionalKeyword('DATABASE')) {
    db = ts.identifier();
    if (ts.optionalKeyword('AS')) dbAlias = ts.identifier();
  }
  const on = objectList(ts);
  const properties = optionalProperties(ts);
  return {
    kind: 'Restore', snapshot, repo, ...opt('catalogs', catalogs), ...opt('accounts', accounts), ...opt('db', db), ...opt('dbAlias', dbAlias),
    ...opt('on', on), properties,
  };
}

/**
 * The objects of the cluster rather than of a database: `ALL EXTERNAL CATALOGS`, `EXTERNAL CATALOG|CATALOGS
 * (c [AS c2], …)` (aliases only when restoring), or starbackup's `ALL USERS` (users, roles and grants, which
 * StarRocks cannot back up), spelt in the place and the form of `ALL EXTERNAL CATALOGS`.
 */
function clusterObjects(ts: TokenStream, aliases: boolean): { catalogs?: CatalogRefs; accounts?: true } {
  if (ts.optionalKeyword('ALL')) {
    if (ts.expectOneOf(['EXTERNAL', 'USERS']) === 'USERS') return { accounts: true };
    ts.expectKeyword('CATALOGS');
    return { catalogs: { all: true } };
  }
  const catalogs = catalogRefs(ts, aliases);
  return catalogs ? { catalogs } : {};
}

function catalogRefs(ts: TokenStream, aliases: boolean): CatalogRefs | undefined {
  if (!ts.optionalKeyword('EXTERNAL')) return undefined;
  ts.expectOneOf(['CATALOG', 'CATALOGS']);
  ts.expectSymbol('(');
  const items = commaList(ts, () => {
    const name = ts.identifier();
    const alias = aliases && ts.optionalKeyword('AS') ? ts.identifier() : undefined;
    return { name, ...opt('alias', alias) };
  });
  ts.expectSymbol(')');
  return { all: false, items };
}

/** `ON (objectDesc, …)` if present. */
function objectList(ts: TokenStream): ObjectRef[] | undefined {
  if (!ts.optionalKeyword('ON')) return undefined;
  ts.expectSymbol('(');
  const items = commaList(ts, () => objectDesc(ts));
  ts.expectSymbol(')');
  return items;
}

const KIND_WORDS = ['TABLE', 'TABLES', 'MATERIALIZED', 'VIEW', 'VIEWS', 'FUNCTION', 'FUNCTIONS'];

/**
 * One backup/restore object. The kind words are not reserved, so `view` alone is a table called
 * view; a kind word counts as one only when a name follows it.
 */
function objectDesc(ts: TokenStream): ObjectRef {
  if (ts.optionalKeyword('ALL')) {
    const kind = ts.expectOneOf(KIND_WORDS);
    if (kind === 'MATERIALIZED') {
      ts.expectOneOf(['VIEW', 'VIEWS']);
      return { kind: 'ALL_MATERIALIZED_VIEWS' };
    }
    if (kind.startsWith('TABLE')) return { kind: 'ALL_TABLES' };
    return kind.startsWith('VIEW') ? { kind: 'ALL_VIEWS' } : { kind: 'ALL_FUNCTIONS' };
  }
  for (const word of KIND_WORDS) ts.note(`'${word}'`);
  if (ts.isWord('MATERIALIZED') && (ts.isWord('VIEW', 1) || ts.isWord('VIEWS', 1))) {
    ts.pos += 2;
    return { kind: 'MATERIALIZED_VIEW', ...namedObject(ts) };
  }
  const word = ts.peek()?.upper ?? '';
  if (word === 'TABLE' || (word === 'TABLES' && ts.isName(1))) ts.pos++;
  else if ((word === 'VIEW' || word === 'VIEWS') && ts.isName(1)) {
    ts.pos++;
    return { kind: 'VIEW', ...namedObject(ts) };
  } else if ((word === 'FUNCTION' || word === 'FUNCTIONS') && ts.isName(1)) {
    ts.pos++;
    return { kind: 'FUNCTION', ...namedObject(ts) };
  }
  const name = qualifiedName(ts);
  const partitions = partitionNames(ts);
  return { kind: 'TABLE', name, ...opt('partitions', partitions), ...aliasPart(ts) };
}

function namedObject(ts: TokenStream) {
  const name = qualifiedName(ts);
  return { name, ...aliasPart(ts) };
}

function aliasPart(ts: TokenStream): { alias?: string } {
  return ts.optionalKeyword('AS') ? { alias: ts.identifier() } : {};
}

/** After `SHOW BACKUP` or `SHOW RESTORE`. */
export function parseShowJobs(ts: TokenStream, kind: 'ShowBackup' | 'ShowRestore'): StatementBody {
  const db = optionalFromDb(ts);
  const where = ts.optionalKeyword('WHERE') ? expression(ts) : undefined;
  return { kind, ...opt('db', db), ...opt('where', where) };
}

/** After `SHOW SNAPSHOT`. SNAPSHOT and TIMESTAMP in the WHERE clause are ordinary column names. */
export function parseShowSnapshot(ts: TokenStream): StatementBody {
  ts.expectKeyword('ON');
  const repo = ts.identifier();
  const where = ts.optionalKeyword('WHERE') ? expression(ts) : undefined;
  return { kind: 'ShowSnapshot', repo, ...opt('where', where) };
}

/** After `CANCEL BACKUP` or `CANCEL RESTORE`. */
export function parseCancel(ts: TokenStream, kind: 'CancelBackup' | 'CancelRestore'): StatementBody {
  if (ts.optionalKeyword('FOR')) {
    ts.expectKeyword('EXTERNAL');
    ts.expectKeyword('CATALOG');
    return { kind, externalCatalog: true };
  }
  return { kind, ...opt('db', optionalFromDb(ts)), externalCatalog: false };
}

/** After `DROP SNAPSHOT`. */
export function parseDropSnapshot(ts: TokenStream): StatementBody {
  const snapshot = ts.identifier();
  ts.expectKeyword('ON');
  const repo = ts.identifier();
  return { kind: 'DropSnapshot', snapshot, repo, force: ts.optionalKeyword('FORCE') };
}

/** After `ADMIN VERIFY SNAPSHOT`. */
export function parseVerifySnapshot(ts: TokenStream): StatementBody {
  const snapshot = ts.identifier();
  ts.expectKeyword('ON');
  const repo = ts.identifier();
  return { kind: 'AdminVerifySnapshot', snapshot, repo, properties: optionalProperties(ts) };
}
