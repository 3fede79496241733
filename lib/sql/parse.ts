import { ParseError } from '../domain/errors.ts';
import type { Expr, Statement } from './ast.ts';
import { Lexer, Source, TokenType, type Token } from './lexer.ts';
import {
  parseBackup, parseCancel, parseCreateRepository, parseDropSnapshot, parseRestore, parseVerifySnapshot,
} from './parse-backup.ts';
import {
  parseCreateCatalog, parseCreateDatabase, parseCreateFunction, parseCreateView, parseDropCatalog,
  parseDropDatabase, parseDropFunction, parseDropTable, parseDropView, parseUse,
} from './parse-ddl.ts';
import { parseInsert, parseSelect } from './parse-dml.ts';
import { expression } from './parse-expression.ts';
import {
  parseAlterMaterializedView, parseCreateMaterializedView, parseDropMaterializedView, parseRefreshMaterializedView,
} from './parse-mv.ts';
import { isSetPassword, parseAlterUser, parseCreateUser, parseDropUser, parseSetPassword } from './parse-account.ts';
import { isSetRole, parseAlterRole, parseCreateRole, parseDropRole, parseGrant, parseRevoke, parseSetRole } from './parse-grant.ts';
import { isSelectWithoutFrom, parseSelectValues, parseSet } from './parse-session.ts';
import { parseShow } from './parse-show.ts';
import { parseCreateTable } from './parse-table.ts';
import { MAX_STATEMENT_BYTES, TokenStream, fromWord, keywordDispatch, shownText, type StatementBody } from './token-stream.ts';

/** A script of `;`-separated statements; empty statements are skipped, the last `;` is optional. */
export function parseStatements(sql: string): Statement[] {
  return guarded(sql, (src) => {
    const statements: Statement[] = [];
    for (const tokens of groups(src, { afterSemicolon: 0 })) statements.push(parseOne(src, tokens));
    return statements;
  });
}

/** What parseScript returns: the statements before the first error, and that error. */
export interface ScriptParse {
  statements: Statement[];
  /** The first statement that does not parse: its text (trimmed) and why. */
  failure?: { text: string; error: ParseError };
}

/**
 * Like parseStatements, but keeps the statements before the first syntax error, so a client can
 * run those and then report the error, as the mysql client does.
 */
export function parseScript(sql: string): ScriptParse {
  const statements: Statement[] = [];
  const where = { afterSemicolon: 0 };
  let failing: Token[] | undefined;
  try {
    guarded(sql, (src) => {
      for (const tokens of groups(src, where)) {
        failing = tokens;
        statements.push(parseOne(src, tokens));
        failing = undefined;
      }
    });
    return { statements };
  } catch (err) {
    // guarded() lets nothing else through.
    const error = err as ParseError;
    const first = failing?.[0];
    const last = failing?.at(-1);
    if (typeof sql !== 'string') return { statements, failure: { text: '', error } };
    // A lexical error leaves the statement unsplit: it is whatever follows the last `;`.
    const text = first && last ? sql.slice(first.start, last.end) : sql.slice(where.afterSemicolon).trim();
    return { statements, failure: { text, error } };
  }
}

/** Exactly one statement, optionally followed by `;`. */
export function parseStatement(sql: string): Statement {
  return guarded(sql, (src) => {
    const iterator = groups(src, { afterSemicolon: 0 });
    const first = iterator.next();
    if (first.done) throw src.error('Unexpected end of input, expected a statement', sql.length);
    const statement = parseOne(src, first.value);
    const second = iterator.next();
    const extra = second.done ? undefined : second.value[0];
    if (extra !== undefined) {
      throw src.error(`Unexpected input '${shownText(src, extra)}', only one statement is allowed here`, extra.start);
    }
    return statement;
  });
}

/** One WHERE-style expression, with no trailing `;`. */
export function parseExpression(sql: string): Expr {
  return guarded(sql, (src) => {
    const tokens = lexAll(src);
    const ts = new TokenStream(src, tokens, tokens.at(-1)?.end ?? 0);
    const e = expression(ts);
    ts.expectEnd();
    return e;
  });
}

/** Promises callers that nothing but ParseError ever escapes, whatever the input. */
function guarded<T>(sql: unknown, run: (src: Source) => T): T {
  if (typeof sql !== 'string') throw new ParseError('The statement must be a string', 1, 1);
  try {
    return run(new Source(sql));
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw new ParseError(`Internal parser error: ${err instanceof Error ? err.message : String(err)}`, 1, 1);
  }
}

function lexAll(src: Source): Token[] {
  const lexer = new Lexer(src);
  const tokens: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    tokens.push(t);
    checkSize(src, tokens, false);
  }
  checkSize(src, tokens, true);
  return tokens;
}

/**
 * Token groups between `;`s, lexed lazily so an earlier statement's error is reported before a
 * later one's, with each statement's size checked while lexing, before a huge one is kept.
 */
function* groups(src: Source, where: { afterSemicolon: number }): Generator<Token[]> {
  const lexer = new Lexer(src);
  let current: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    if (t.type === TokenType.Symbol && t.value === ';') {
      checkSize(src, current, true);
      if (current.length > 0) yield current;
      current = [];
      where.afterSemicolon = t.end;
      continue;
    }
    current.push(t);
    checkSize(src, current, false);
  }
  checkSize(src, current, true);
  if (current.length > 0) yield current;
}

/**
 * The 1 MiB cap. While lexing only the span in UTF-16 units is checked (a cheap lower bound on the
 * UTF-8 size); the exact byte count runs once, when the statement is complete.
 */
function checkSize(src: Source, tokens: Token[], complete: boolean): void {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (first === undefined || last === undefined) return;
  const chars = last.end - first.start;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so a short text needs no exact count.
  if (chars * 3 <= MAX_STATEMENT_BYTES) return;
  const tooLong = chars > MAX_STATEMENT_BYTES || (complete && utf8Length(src.text, first.start, last.end) > MAX_STATEMENT_BYTES);
  if (tooLong) throw src.error(`Statement is longer than ${MAX_STATEMENT_BYTES} bytes`, first.start);
}

function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function parseOne(src: Source, tokens: Token[]): Statement {
  const first = tokens[0] as Token;
  const last = tokens[tokens.length - 1] as Token;
  const ts = new TokenStream(src, tokens, last.end);
  const body = statement(ts);
  ts.expectEnd();
  return { ...body, text: src.text.slice(first.start, last.end) } as Statement;
}

/** Every statement, by its first word. */
const statement = keywordDispatch({
  CREATE: (ts) => create(ts),
  DROP: (ts) => drop(ts),
  SHOW: parseShow,
  USE: parseUse,
  INSERT: parseInsert,
  SELECT: (ts) => (isSelectWithoutFrom(ts) ? parseSelectValues(ts) : parseSelect(ts)),
  BACKUP: parseBackup,
  RESTORE: parseRestore,
  CANCEL: (ts) => parseCancel(ts, ts.expectOneOf(['BACKUP', 'RESTORE']) === 'BACKUP' ? 'CancelBackup' : 'CancelRestore'),
  ADMIN: (ts) => {
    if (ts.optionalKeyword('CLEAN')) {
      ts.expectKeyword('REPOSITORY');
      return { kind: 'AdminCleanRepository', repo: ts.identifier() };
    }
    ts.expectKeyword('VERIFY');
    ts.expectKeyword('SNAPSHOT');
    return parseVerifySnapshot(ts);
  },
  REFRESH: (ts) => {
    materializedView(ts);
    return parseRefreshMaterializedView(ts);
  },
  ALTER: (ts) => alter(ts),
  SET: (ts) => (isSetPassword(ts) ? parseSetPassword(ts) : isSetRole(ts) ? parseSetRole(ts) : parseSet(ts)),
  GRANT: parseGrant,
  REVOKE: parseRevoke,
});

/** After `ALTER`. */
const alter = keywordDispatch({
  MATERIALIZED: (ts) => {
    ts.expectKeyword('VIEW');
    return parseAlterMaterializedView(ts);
  },
  USER: parseAlterUser,
  ROLE: parseAlterRole,
});

function materializedView(ts: TokenStream): void {
  ts.expectKeyword('MATERIALIZED');
  ts.expectKeyword('VIEW');
}

/** After `CREATE`. */
const create = keywordDispatch({
  DATABASE: parseCreateDatabase,
  // `CREATE TABLE FUNCTION f(…)`, unless FUNCTION is the name of the table being created.
  TABLE: (ts) => (ts.isWord('FUNCTION') && (ts.isName(1) || ts.isWord('IF', 1)) ? createFunction(ts, false, 'TABLE') : parseCreateTable(ts)),
  VIEW: (ts) => parseCreateView(ts, false),
  MATERIALIZED: (ts) => {
    ts.expectKeyword('VIEW');
    return parseCreateMaterializedView(ts);
  },
  FUNCTION: fromWord((ts) => createFunction(ts, false, ts.optionalOneOf(['AGGREGATE']))),
  EXTERNAL: (ts) => {
    ts.expectKeyword('CATALOG');
    return parseCreateCatalog(ts);
  },
  REPOSITORY: (ts) => parseCreateRepository(ts, false),
  OR: (ts) => {
    ts.expectKeyword('REPLACE');
    ts.expectKeyword('VIEW');
    return parseCreateView(ts, true);
  },
  GLOBAL: (ts) => createFunction(ts, true, ts.optionalOneOf(['AGGREGATE', 'TABLE'])),
  AGGREGATE: fromWord((ts) => createFunction(ts, false, ts.optionalOneOf(['AGGREGATE']))),
  USER: parseCreateUser,
  ROLE: parseCreateRole,
  READ: (ts) => {
    ts.expectKeyword('ONLY');
    ts.expectKeyword('REPOSITORY');
    return parseCreateRepository(ts, true);
  },
});

/** Positioned at FUNCTION, after any GLOBAL / AGGREGATE / TABLE. */
function createFunction(ts: TokenStream, global: boolean, type: string | undefined): StatementBody {
  ts.expectKeyword('FUNCTION');
  return parseCreateFunction(ts, { global, aggregate: type === 'AGGREGATE', table: type === 'TABLE' });
}

/** After `DROP`. */
const drop = keywordDispatch({
  DATABASE: parseDropDatabase,
  TABLE: parseDropTable,
  VIEW: parseDropView,
  MATERIALIZED: (ts) => {
    ts.expectKeyword('VIEW');
    return parseDropMaterializedView(ts);
  },
  FUNCTION: parseDropFunction,
  CATALOG: parseDropCatalog,
  REPOSITORY: (ts) => ({ kind: 'DropRepository', name: ts.identifier() }),
  SNAPSHOT: parseDropSnapshot,
  USER: parseDropUser,
  ROLE: parseDropRole,
});
