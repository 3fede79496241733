import { optionalFromDb, qualifiedName } from './parse-clauses.ts';
import { parseShowJobs, parseShowSnapshot } from './parse-backup.ts';
import { parseShowMaterializedViews } from './parse-mv.ts';
import { parseShowVariables, parseShowWarnings } from './parse-session.ts';
import { parseShowGrants } from './parse-grant.ts';
import { fromWord, keywordDispatch, opt, type StatementBody, type TokenStream } from './token-stream.ts';

/** After `SHOW`: every SHOW statement, by its next word. */
export const parseShow = keywordDispatch({
  DATABASES: () => ({ kind: 'ShowDatabases' }),
  TABLES: (ts) => ({ kind: 'ShowTables', ...opt('db', optionalFromDb(ts)) }),
  PARTITIONS: (ts) => {
    ts.expectKeyword('FROM');
    return { kind: 'ShowPartitions', table: qualifiedName(ts) };
  },
  CREATE: (ts) => showCreate(ts),
  FUNCTIONS: fromWord((ts) => showFunctions(ts)),
  FULL: fromWord((ts) => showFunctions(ts)),
  BUILTIN: fromWord((ts) => showFunctions(ts)),
  GLOBAL: (ts) => (ts.isWord('VARIABLES') || ts.isWord('STATUS') ? parseShowVariables(ts, true) : fromWord(showFunctions)(ts)),
  MATERIALIZED: (ts) => {
    ts.expectKeyword('VIEWS');
    return parseShowMaterializedViews(ts);
  },
  CATALOGS: () => ({ kind: 'ShowCatalogs' }),
  REPOSITORIES: () => ({ kind: 'ShowRepositories' }),
  BACKUP: (ts) => parseShowJobs(ts, 'ShowBackup'),
  RESTORE: (ts) => parseShowJobs(ts, 'ShowRestore'),
  SNAPSHOT: parseShowSnapshot,
  VARIABLES: fromWord((ts) => parseShowVariables(ts, false)),
  STATUS: fromWord((ts) => parseShowVariables(ts, false)),
  SESSION: (ts) => parseShowVariables(ts, false),
  LOCAL: (ts) => parseShowVariables(ts, false),
  WARNINGS: (ts) => parseShowWarnings(ts, false),
  ERRORS: (ts) => parseShowWarnings(ts, true),
  USERS: () => ({ kind: 'ShowUsers' }),
  GRANTS: parseShowGrants,
  ROLES: () => ({ kind: 'ShowRoles' }),
});

/** `SHOW CREATE TABLE|VIEW|MATERIALIZED VIEW name`. */
function showCreate(ts: TokenStream): StatementBody {
  const word = ts.expectOneOf(['TABLE', 'VIEW', 'MATERIALIZED']);
  if (word === 'MATERIALIZED') ts.expectKeyword('VIEW');
  const object = word === 'MATERIALIZED' ? 'MATERIALIZED VIEW' : (word as 'TABLE' | 'VIEW');
  return { kind: 'ShowCreateTable', table: qualifiedName(ts), object };
}

/** `SHOW [FULL] [BUILTIN | GLOBAL] FUNCTIONS [FROM | IN db]`. */
function showFunctions(ts: TokenStream): StatementBody {
  const full = ts.optionalKeyword('FULL');
  const scope = ts.optionalOneOf(['BUILTIN', 'GLOBAL']);
  ts.expectKeyword('FUNCTIONS');
  const db = optionalFromDb(ts);
  return { kind: 'ShowFunctions', ...opt('db', db), full, builtin: scope === 'BUILTIN', global: scope === 'GLOBAL' };
}
