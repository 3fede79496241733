import type { AuthOption, RoleChoice, UserRef } from './ast.ts';
import { TokenType } from './lexer.ts';
import { commaList } from './parse-clauses.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

/**
 * Account statements as StarRocks' grammar (fe-core sql/parser/StarRocks.g4: createUserStatement,
 * alterUserStatement, dropUserStatement, showUserStatement, setPassword, userIdentity, authOption) spells them.
 */

/** After `CREATE USER`: `[IF NOT EXISTS] user [auth option] [DEFAULT ROLE r, …]`. */
export function parseCreateUser(ts: TokenStream): StatementBody {
  const ifNotExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('NOT'), ts.expectKeyword('EXISTS'), true) : false;
  const user = userRef(ts);
  const auth = ts.isWord('IDENTIFIED') ? authOption(ts) : undefined;
  const defaultRoles = ts.optionalKeyword('DEFAULT') ? (ts.expectKeyword('ROLE'), roleList(ts)) : undefined;
  return { kind: 'CreateUser', user, ifNotExists, ...opt('auth', auth), ...opt('defaultRoles', defaultRoles) };
}

/**
 * After `ALTER USER`: `[IF EXISTS] user auth option`, or `user DEFAULT ROLE NONE | ALL | r, …`, which StarRocks
 * (sql/parser/AstBuilder) makes the SET DEFAULT ROLE statement.
 */
export function parseAlterUser(ts: TokenStream): StatementBody {
  const ifExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('EXISTS'), true) : false;
  const user = userRef(ts);
  if (ts.optionalKeyword('DEFAULT')) {
    ts.expectKeyword('ROLE');
    return { kind: 'SetDefaultRole', user, ...defaultRoleChoice(ts) };
  }
  return { kind: 'AlterUser', user, ifExists, auth: authOption(ts) };
}

/** After `DROP USER`: `[IF EXISTS] user`. */
export function parseDropUser(ts: TokenStream): StatementBody {
  const ifExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('EXISTS'), true) : false;
  return { kind: 'DropUser', user: userRef(ts), ifExists };
}

/** After `SET`, at PASSWORD: `PASSWORD [FOR user] = PASSWORD('pw') | '*hash'`. */
export function parseSetPassword(ts: TokenStream): StatementBody {
  ts.expectKeyword('PASSWORD');
  const user = ts.optionalKeyword('FOR') ? userRef(ts) : undefined;
  ts.expectSymbol('=');
  let password: NonNullable<AuthOption['password']>;
  if (ts.optionalKeyword('PASSWORD')) {
    ts.expectSymbol('(');
    password = { kind: 'plain', value: ts.stringLiteral() };
    ts.expectSymbol(')');
  } else password = { kind: 'hash', value: ts.stringLiteral() };
  return { kind: 'SetPassword', ...opt('user', user), auth: { password } };
}

/** Whether `SET` starts SET PASSWORD rather than a variable named password. */
export function isSetPassword(ts: TokenStream): boolean {
  return ts.isWord('PASSWORD') && (ts.isWord('FOR', 1) || (ts.isSymbol('=', 1) && (ts.isWord('PASSWORD', 2) || ts.peek(2)?.type === TokenType.String)));
}

/** `'u'`, `u`, `` `u` `` or `"u"`, then `@'host'` (or `@host`); the host is `%` when not written. */
export function userRef(ts: TokenStream): UserRef {
  const user = ts.identifierOrString();
  if (!ts.optionalSymbol('@')) return { user, host: '%' };
  return { user, host: ts.identifierOrString() };
}

/** `IDENTIFIED BY ['pw' | PASSWORD '*hash']` or `IDENTIFIED WITH plugin [BY 'pw' | AS '*hash']`. */
function authOption(ts: TokenStream): AuthOption {
  ts.expectKeyword('IDENTIFIED');
  if (ts.optionalKeyword('BY')) {
    const hashed = ts.optionalKeyword('PASSWORD');
    return { password: { kind: hashed ? 'hash' : 'plain', value: ts.stringLiteral() } };
  }
  ts.expectKeyword('WITH');
  const plugin = ts.identifierOrString();
  const how = ts.optionalOneOf(['BY', 'AS']);
  if (how === undefined) return { plugin };
  return { plugin, password: { kind: how === 'BY' ? 'plain' : 'hash', value: ts.stringLiteral() } };
}

/** roleList: role names, each a name or a string. */
export function roleList(ts: TokenStream): string[] {
  return commaList(ts, () => ts.identifierOrString());
}

/** `NONE | ALL | r, …`, as SET DEFAULT ROLE and ALTER USER … DEFAULT ROLE take it. */
export function defaultRoleChoice(ts: TokenStream): RoleChoice {
  if (ts.optionalKeyword('ALL')) return { mode: 'ALL', roles: [] };
  return noneOrRoles(ts);
}

/** `NONE` or a role list; a role named none is written quoted or in a list. */
export function noneOrRoles(ts: TokenStream): RoleChoice {
  if (ts.isWord('NONE') && ts.peek()?.type === TokenType.Word && !ts.isSymbol(',', 1)) {
    ts.pos++;
    return { mode: 'NONE', roles: [] };
  }
  ts.note("'NONE'");
  return { mode: 'ROLES', roles: roleList(ts) };
}
