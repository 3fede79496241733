import type { FunctionRef, Grantee, PrivObject, PrivObjectType } from './ast.ts';
import { TokenType } from './lexer.ts';
import { commaList, qualifiedName } from './parse-clauses.ts';
import { argumentTypes } from './parse-ddl.ts';
import { defaultRoleChoice, noneOrRoles, roleList, userRef } from './parse-account.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

/**
 * Roles and privileges as StarRocks' grammar (fe-grammar StarRocks.g4: grantPrivilegeStatement,
 * revokePrivilegeStatement, grantRoleStatement, revokeRoleStatement, createRoleStatement, alterRoleStatement,
 * dropRoleStatement, setRoleStatement, setDefaultRoleStatement, showGrantsStatement, showRolesStatement,
 * privilegeType, privObjectType, privObjectTypePlural, privObjectNameList, privFunctionObjectNameList) spells them.
 * Object types starbackup has no objects of (RESOURCE, STORAGE VOLUME, PIPE, …) are not in the grammar here.
 */

/** privilegeType's single words, in the grammar's order. */
const PRIVILEGE_WORDS = [
  'ALL', 'ALTER', 'APPLY', 'BLACKLIST', 'CREATE', 'DELETE', 'DROP', 'EXPORT', 'FILE', 'IMPERSONATE', 'INSERT', 'GRANT',
  'NODE', 'OPERATE', 'SECURITY', 'PLUGIN', 'REPOSITORY', 'REFRESH', 'SELECT', 'UPDATE', 'USAGE',
];
/** What may follow CREATE in a privilege: its first word, and the word that must (or may) complete it. */
const CREATE_OBJECTS: Record<string, { then?: string; optional?: string }> = {
  DATABASE: {}, TABLE: {}, VIEW: {}, FUNCTION: {}, GLOBAL: { then: 'FUNCTION' }, MATERIALIZED: { then: 'VIEW' },
  RESOURCE: { optional: 'GROUP' }, EXTERNAL: { then: 'CATALOG' }, STORAGE: { then: 'VOLUME' }, WAREHOUSE: {}, PIPE: {},
};
/** privObjectType, as the words that start each. */
const OBJECT_TYPES = ['CATALOG', 'DATABASE', 'MATERIALIZED', 'SYSTEM', 'TABLE', 'VIEW', 'FUNCTION', 'GLOBAL', 'USER'];
/**
 * privObjectTypePlural after ALL, with the singular type each stands for. `ALL DATABASE` is not in StarRocks'
 * grammar, but its English privilege guide writes `GRANT CREATE TABLE ON ALL DATABASE TO ROLE recover`, so an
 * operator pasting it is understood rather than refused.
 */
const PLURALS: Record<string, PrivObjectType> = {
  CATALOGS: 'CATALOG', DATABASES: 'DATABASE', DATABASE: 'DATABASE', FUNCTIONS: 'FUNCTION', GLOBAL: 'GLOBAL FUNCTION',
  MATERIALIZED: 'MATERIALIZED VIEW', TABLES: 'TABLE', USERS: 'USER', VIEWS: 'VIEW',
};

/** After `GRANT`: privileges ON an object, or roles, TO a user or role. */
export function parseGrant(ts: TokenStream): StatementBody {
  if (!grantsPrivileges(ts)) {
    const roles = roleList(ts);
    ts.expectKeyword('TO');
    return { kind: 'GrantRole', roles, grantee: grantee(ts) };
  }
  const privileges = privilegeList(ts);
  ts.expectKeyword('ON');
  const on = privObject(ts);
  ts.expectKeyword('TO');
  const to = grantee(ts);
  const withGrantOption = ts.optionalKeyword('WITH') ? (ts.expectKeyword('GRANT'), ts.expectKeyword('OPTION'), true) : false;
  return { kind: 'GrantPrivilege', privileges, on, grantee: to, withGrantOption };
}

/** After `REVOKE`: as GRANT, with FROM and no grant option. */
export function parseRevoke(ts: TokenStream): StatementBody {
  if (!grantsPrivileges(ts)) {
    const roles = roleList(ts);
    ts.expectKeyword('FROM');
    return { kind: 'RevokeRole', roles, grantee: grantee(ts) };
  }
  const privileges = privilegeList(ts);
  ts.expectKeyword('ON');
  const on = privObject(ts);
  ts.expectKeyword('FROM');
  return { kind: 'RevokePrivilege', privileges, on, grantee: grantee(ts) };
}

/** A privilege grant has an `ON` (a reserved word, so never an unquoted role name) before its TO/FROM. */
function grantsPrivileges(ts: TokenStream): boolean {
  for (const t of ts.tokens.slice(ts.pos)) {
    if (t.type !== TokenType.Word) continue;
    if (t.upper === 'ON') return true;
    if (t.upper === 'TO' || t.upper === 'FROM') return false;
  }
  // Neither: whichever fails, a privilege list gives the more useful error for `GRANT SELECT`.
  return ts.peek()?.type === TokenType.Word && PRIVILEGE_WORDS.includes(ts.peek()!.upper);
}

function privilegeList(ts: TokenStream): string[] {
  return commaList(ts, () => {
    const word = ts.expectOneOf(PRIVILEGE_WORDS);
    if (word === 'ALL') {
      ts.optionalKeyword('PRIVILEGES');
      return 'ALL';
    }
    if (word !== 'CREATE') return word;
    const object = ts.expectOneOf(Object.keys(CREATE_OBJECTS));
    const words = ['CREATE', object];
    const { then, optional } = CREATE_OBJECTS[object] ?? {};
    if (then !== undefined) (ts.expectKeyword(then), words.push(then));
    if (optional !== undefined && ts.optionalKeyword(optional)) words.push(optional);
    return words.join(' ');
  });
}

/** After `ON`. */
function privObject(ts: TokenStream): PrivObject {
  if (ts.optionalKeyword('ALL')) return allObjects(ts);
  const isType = OBJECT_TYPES.some((w) => ts.isWord(w)) && !ts.isSymbol('.', 1) && !ts.isSymbol(',', 1);
  if (!isType) {
    for (const w of ['ALL', ...OBJECT_TYPES]) ts.note(`'${w}'`);
    return { kind: 'names', type: 'TABLE', names: nameList(ts) };
  }
  const word = ts.expectOneOf(OBJECT_TYPES);
  switch (word) {
    case 'SYSTEM': return { kind: 'system' };
    case 'USER': return { kind: 'users', users: commaList(ts, () => userRef(ts)) };
    case 'GLOBAL':
      ts.expectKeyword('FUNCTION');
      return { kind: 'functions', global: true, functions: commaList(ts, () => functionRef(ts)) };
    case 'FUNCTION': return { kind: 'functions', global: false, functions: commaList(ts, () => functionRef(ts)) };
    case 'MATERIALIZED':
      ts.expectKeyword('VIEW');
      return { kind: 'names', type: 'MATERIALIZED VIEW', names: nameList(ts) };
    default: return { kind: 'names', type: word as 'CATALOG' | 'DATABASE' | 'TABLE' | 'VIEW', names: nameList(ts) };
  }
}

/** After `ON ALL`: a plural type, then `IN ALL DATABASES` or `IN DATABASE d`. */
function allObjects(ts: TokenStream): PrivObject {
  const word = ts.expectOneOf(Object.keys(PLURALS));
  if (word === 'GLOBAL') ts.expectKeyword('FUNCTIONS');
  if (word === 'MATERIALIZED') ts.expectKeyword('VIEWS');
  const type = PLURALS[word]!;
  if (!ts.optionalKeyword('IN')) return { kind: 'all', type };
  if (ts.expectOneOf(['ALL', 'DATABASE']) === 'ALL') {
    ts.expectKeyword('DATABASES');
    return { kind: 'all', type, in: { allDatabases: true } };
  }
  return { kind: 'all', type, in: { db: ts.identifierOrString() } };
}

/** privObjectNameList: `a[.b]`, each part a name, a string or `*`. */
function nameList(ts: TokenStream): string[][] {
  return commaList(ts, () => {
    const parts = [namePart(ts)];
    if (ts.optionalSymbol('.')) parts.push(namePart(ts));
    return parts;
  });
}

function namePart(ts: TokenStream): string {
  if (ts.optionalSymbol('*')) return '*';
  return ts.identifierOrString();
}

function functionRef(ts: TokenStream): FunctionRef {
  return { name: qualifiedName(ts), ...argumentTypes(ts) };
}

/** grantRevokeClause: `[USER] 'u'@'h'` or `ROLE r`. */
function grantee(ts: TokenStream): Grantee {
  if (ts.isWord('ROLE') && ts.peek(1) !== undefined && !ts.isSymbol('@', 1)) {
    ts.pos++;
    return { role: ts.identifierOrString() };
  }
  if (ts.isWord('USER') && ts.peek(1) !== undefined && !ts.isSymbol('@', 1)) ts.pos++;
  else (ts.note("'USER'"), ts.note("'ROLE'"));
  return { user: userRef(ts) };
}

/** After `CREATE ROLE`: `[IF NOT EXISTS] r, … [COMMENT 'text']`. */
export function parseCreateRole(ts: TokenStream): StatementBody {
  const ifNotExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('NOT'), ts.expectKeyword('EXISTS'), true) : false;
  const roles = roleList(ts);
  const comment = ts.optionalKeyword('COMMENT') ? ts.stringLiteral() : undefined;
  return { kind: 'CreateRole', roles, ifNotExists, ...opt('comment', comment) };
}

/** After `ALTER ROLE`: `[IF EXISTS] r, … SET COMMENT = 'text'`. */
export function parseAlterRole(ts: TokenStream): StatementBody {
  const ifExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('EXISTS'), true) : false;
  const roles = roleList(ts);
  ts.expectKeyword('SET');
  ts.expectKeyword('COMMENT');
  ts.expectSymbol('=');
  return { kind: 'AlterRole', roles, ifExists, comment: ts.stringLiteral() };
}

/** After `DROP ROLE`: `[IF EXISTS] r, …`. */
export function parseDropRole(ts: TokenStream): StatementBody {
  const ifExists = ts.optionalKeyword('IF') ? (ts.expectKeyword('EXISTS'), true) : false;
  return { kind: 'DropRole', roles: roleList(ts), ifExists };
}

/** After `SHOW GRANTS`: `[FOR [USER] u | FOR ROLE r]`. */
export function parseShowGrants(ts: TokenStream): StatementBody {
  if (!ts.optionalKeyword('FOR')) return { kind: 'ShowGrants' };
  const who = grantee(ts);
  return 'role' in who ? { kind: 'ShowGrants', role: who.role } : { kind: 'ShowGrants', user: who.user };
}

/** Whether `SET` starts SET ROLE or SET DEFAULT ROLE rather than a variable named role. */
export function isSetRole(ts: TokenStream): boolean {
  return (ts.isWord('ROLE') && ts.peek(1) !== undefined && !ts.isSymbol('=', 1)) || (ts.isWord('DEFAULT') && ts.isWord('ROLE', 1));
}

/** After `SET`, at ROLE or DEFAULT: `ROLE DEFAULT | NONE | ALL [EXCEPT r, …] | r, …` or `DEFAULT ROLE … TO u`. */
export function parseSetRole(ts: TokenStream): StatementBody {
  if (ts.optionalKeyword('DEFAULT')) {
    ts.expectKeyword('ROLE');
    const choice = defaultRoleChoice(ts);
    ts.expectKeyword('TO');
    return { kind: 'SetDefaultRole', user: userRef(ts), ...choice };
  }
  ts.expectKeyword('ROLE');
  if (ts.optionalKeyword('DEFAULT')) return { kind: 'SetRole', mode: 'DEFAULT', roles: [] };
  if (ts.optionalKeyword('ALL')) return { kind: 'SetRole', mode: 'ALL', roles: ts.optionalKeyword('EXCEPT') ? roleList(ts) : [] };
  return { kind: 'SetRole', ...noneOrRoles(ts) };
}
