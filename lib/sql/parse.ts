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
import { parseShow } from './parse-show.ts';
import { parseCreateTable } from './parse-table.ts';
import { MAX_STATEMENT_BYTES, TokenStream, type StatementBody } from './token-stream.ts';

/** A script of `;`-separated statements; empty statements are skipped, the last `;` is optional. */
export function parseStatements(sql: string): Statement[] {
  return guarded(sql, (src) => split(src).map((tokens) => parseOne(src, tokens)));
}

/** Exactly one statement, optionally followed by `;`. */
export function parseStatement(sql: string): Statement {
  return guarded(sql, (src) => {
    const groups = split(src);
    const [first, second] = groups;
    if (first === undefined) throw src.error('Unexpected end of input, expected a statement', sql.length);
    const statement = parseOne(src, first);
    const extra = second?.[0];
    if (extra !== undefined) {
      const shown = sql.slice(extra.start, extra.end);
      throw src.error(`Unexpected input '${shown}', only one statement is allowed here`, extra.start);
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
    checkSize(src, tokens);
  }
  return tokens;
}

/** Token groups between `;`s, checking each statement's size while lexing, before a huge one is kept. */
function split(src: Source): Token[][] {
  const lexer = new Lexer(src);
  const groups: Token[][] = [];
  let current: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    if (t.type === TokenType.Symbol && t.value === ';') {
      if (current.length > 0) groups.push(current);
      current = [];
      continue;
    }
    current.push(t);
    checkSize(src, current);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function checkSize(src: Source, tokens: Token[]): void {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (first === undefined || last === undefined) return;
  const chars = last.end - first.start;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only a long-ish text needs the exact count.
  if (chars * 3 <= MAX_STATEMENT_BYTES) return;
  if (chars > MAX_STATEMENT_BYTES || utf8Length(src.text, first.start, last.end) > MAX_STATEMENT_BYTES) {
    throw src.error(`Statement is longer than ${MAX_STATEMENT_BYTES} bytes`, first.start);
  }
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

const STATEMENT_WORDS = [
  'CREATE', 'DROP', 'SHOW', 'USE', 'INSERT', 'SELECT', 'BACKUP', 'RESTORE', 'CANCEL', 'ADMIN', 'REFRESH', 'ALTER',
];

function statement(ts: TokenStream): StatementBody {
  switch (ts.expectOneOf(STATEMENT_WORDS)) {
    case 'CREATE':
      return create(ts);
    case 'DROP':
      return drop(ts);
    case 'SHOW':
      return parseShow(ts);
    case 'USE':
      return parseUse(ts);
    case 'INSERT':
      return parseInsert(ts);
    case 'SELECT':
      return parseSelect(ts);
    case 'BACKUP':
      return parseBackup(ts);
    case 'RESTORE':
      return parseRestore(ts);
    case 'CANCEL':
      return parseCancel(ts, ts.expectOneOf(['BACKUP', 'RESTORE']) === 'BACKUP' ? 'CancelBackup' : 'CancelRestore');
    case 'ADMIN':
      ts.expectKeyword('VERIFY');
      ts.expectKeyword('SNAPSHOT');
      return parseVerifySnapshot(ts);
    case 'REFRESH':
      materializedView(ts);
      return parseRefreshMaterializedView(ts);
    default:
      materializedView(ts);
      return parseAlterMaterializedView(ts);
  }
}

function materializedView(ts: TokenStream): void {
  ts.expectKeyword('MATERIALIZED');
  ts.expectKeyword('VIEW');
}

const CREATE_WORDS = [
  'DATABASE', 'TABLE', 'VIEW', 'MATERIALIZED', 'FUNCTION', 'EXTERNAL', 'REPOSITORY', 'OR', 'GLOBAL', 'AGGREGATE', 'READ',
];

function create(ts: TokenStream): StatementBody {
  const word = ts.expectOneOf(CREATE_WORDS);
  switch (word) {
    case 'DATABASE':
      return parseCreateDatabase(ts);
    case 'TABLE':
      // `CREATE TABLE FUNCTION f(…)`, unless FUNCTION is the name of the table being created.
      if (ts.isWord('FUNCTION') && (ts.isName(1) || ts.isWord('IF', 1))) return createFunction(ts, false, 'TABLE');
      return parseCreateTable(ts);
    case 'OR':
      ts.expectKeyword('REPLACE');
      ts.expectKeyword('VIEW');
      return parseCreateView(ts, true);
    case 'VIEW':
      return parseCreateView(ts, false);
    case 'MATERIALIZED':
      ts.expectKeyword('VIEW');
      return parseCreateMaterializedView(ts);
    case 'EXTERNAL':
      ts.expectKeyword('CATALOG');
      return parseCreateCatalog(ts);
    case 'READ':
      ts.expectKeyword('ONLY');
      ts.expectKeyword('REPOSITORY');
      return parseCreateRepository(ts, true);
    case 'REPOSITORY':
      return parseCreateRepository(ts, false);
    case 'GLOBAL':
      return createFunction(ts, true, ts.optionalOneOf(['AGGREGATE', 'TABLE']));
    default:
      ts.pos--;
      return createFunction(ts, false, ts.optionalOneOf(['AGGREGATE']));
  }
}

/** Positioned at FUNCTION, after any GLOBAL / AGGREGATE / TABLE. */
function createFunction(ts: TokenStream, global: boolean, type: string | undefined): StatementBody {
  ts.expectKeyword('FUNCTION');
  return parseCreateFunction(ts, { global, aggregate: type === 'AGGREGATE', table: type === 'TABLE' });
}

const DROP_WORDS = ['DATABASE', 'TABLE', 'VIEW', 'MATERIALIZED', 'FUNCTION', 'CATALOG', 'REPOSITORY', 'SNAPSHOT'];

function drop(ts: TokenStream): StatementBody {
  switch (ts.expectOneOf(DROP_WORDS)) {
    case 'DATABASE':
      return parseDropDatabase(ts);
    case 'TABLE':
      return parseDropTable(ts);
    case 'VIEW':
      return parseDropView(ts);
    case 'MATERIALIZED':
      ts.expectKeyword('VIEW');
      return parseDropMaterializedView(ts);
    case 'FUNCTION':
      return parseDropFunction(ts);
    case 'CATALOG':
      return parseDropCatalog(ts);
    case 'REPOSITORY':
      return { kind: 'DropRepository', name: ts.identifier() };
    default:
      return parseDropSnapshot(ts);
  }
}
