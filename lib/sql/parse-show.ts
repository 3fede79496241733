import { optionalFromDb, qualifiedName } from './parse-clauses.ts';
import { parseShowJobs, parseShowSnapshot } from './parse-backup.ts';
import { parseShowMaterializedViews } from './parse-mv.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

const SHOW_WORDS = [
  'DATABASES', 'TABLES', 'PARTITIONS', 'CREATE', 'FUNCTIONS', 'FULL', 'BUILTIN', 'GLOBAL', 'MATERIALIZED',
  'CATALOGS', 'REPOSITORIES', 'BACKUP', 'RESTORE', 'SNAPSHOT',
];

/** After `SHOW`. */
export function parseShow(ts: TokenStream): StatementBody {
  const word = ts.expectOneOf(SHOW_WORDS);
  switch (word) {
    case 'DATABASES':
      return { kind: 'ShowDatabases' };
    case 'TABLES':
      return { kind: 'ShowTables', ...opt('db', optionalFromDb(ts)) };
    case 'PARTITIONS':
      ts.expectKeyword('FROM');
      return { kind: 'ShowPartitions', table: qualifiedName(ts) };
    case 'CREATE':
      return showCreate(ts);
    case 'MATERIALIZED':
      ts.expectKeyword('VIEWS');
      return parseShowMaterializedViews(ts);
    case 'CATALOGS':
      return { kind: 'ShowCatalogs' };
    case 'REPOSITORIES':
      return { kind: 'ShowRepositories' };
    case 'BACKUP':
      return parseShowJobs(ts, 'ShowBackup');
    case 'RESTORE':
      return parseShowJobs(ts, 'ShowRestore');
    case 'SNAPSHOT':
      return parseShowSnapshot(ts);
    default:
      ts.pos--;
      return showFunctions(ts);
  }
}

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
