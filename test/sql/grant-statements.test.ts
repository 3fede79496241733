import { describe, expect, it } from 'vitest';
import { ast, syntaxError } from './helpers.ts';

/**
 * Roles and privileges as StarRocks' grammar spells them (fe-grammar StarRocks.g4: grantPrivilegeStatement,
 * revokePrivilegeStatement, grantRoleStatement, revokeRoleStatement, createRoleStatement, alterRoleStatement,
 * dropRoleStatement, setRoleStatement, setDefaultRoleStatement, showGrantsStatement, showRolesStatement,
 * privilegeType, privObjectNameList, privFunctionObjectNameList; docs sql-reference/sql-statements/
 * account-management GRANT.md, REVOKE.md, SET_ROLE.md, SET_DEFAULT_ROLE.md, SHOW_GRANTS.md), and the
 * statements of fe-core's PrivilegeStmtAnalyzerV2Test.
 */
const u = (user: string, host = '%') => ({ user: { user, host } });
const syntax = (column: number, detail: string) => `Getting syntax error at line 1, column ${column}. Detail message: ${detail}.`;

describe('GRANT and REVOKE of privileges', () => {
  it('takes privileges on SYSTEM, to a user or a role, with or without USER, WITH GRANT OPTION', () => {
    expect(ast('GRANT REPOSITORY ON SYSTEM TO ROLE backup_tbl')).toEqual({
      kind: 'GrantPrivilege', privileges: ['REPOSITORY'], on: { kind: 'system' }, grantee: { role: 'backup_tbl' }, withGrantOption: false,
    });
    expect(ast("GRANT repository, create resource group ON SYSTEM TO USER 'jack'@'%' WITH GRANT OPTION")).toEqual({
      kind: 'GrantPrivilege', privileges: ['REPOSITORY', 'CREATE RESOURCE GROUP'], on: { kind: 'system' }, grantee: u('jack'), withGrantOption: true,
    });
    expect(ast('REVOKE REPOSITORY ON SYSTEM FROM jack')).toEqual({
      kind: 'RevokePrivilege', privileges: ['REPOSITORY'], on: { kind: 'system' }, grantee: u('jack'),
    });
  });

  it('takes every CREATE privilege and ALL [PRIVILEGES]', () => {
    expect(ast('GRANT CREATE DATABASE, CREATE GLOBAL FUNCTION, CREATE MATERIALIZED VIEW, CREATE RESOURCE, CREATE EXTERNAL CATALOG ON SYSTEM TO r')).toMatchObject({
      privileges: ['CREATE DATABASE', 'CREATE GLOBAL FUNCTION', 'CREATE MATERIALIZED VIEW', 'CREATE RESOURCE', 'CREATE EXTERNAL CATALOG'],
    });
    expect(ast('GRANT ALL PRIVILEGES ON TABLE db1.t TO jack')).toMatchObject({ privileges: ['ALL'] });
    expect(ast('GRANT ALL ON db1.t TO jack')).toMatchObject({ privileges: ['ALL'] });
  });

  it('takes named objects of each type, one or several, qualified or not, and the brief table form', () => {
    expect(ast('GRANT SELECT, INSERT ON TABLE db1.t0, t1 TO ROLE r')).toMatchObject({
      on: { kind: 'names', type: 'TABLE', names: [['db1', 't0'], ['t1']] },
    });
    expect(ast('GRANT SELECT ON db1.tbl1, db1.tbl0 TO test_user')).toMatchObject({ on: { kind: 'names', type: 'TABLE', names: [['db1', 'tbl1'], ['db1', 'tbl0']] } });
    expect(ast('GRANT EXPORT ON db1.* TO r')).toMatchObject({ on: { kind: 'names', type: 'TABLE', names: [['db1', '*']] } });
    expect(ast('GRANT CREATE TABLE, DROP ON DATABASE db1, `db 2` TO r')).toMatchObject({ on: { kind: 'names', type: 'DATABASE', names: [['db1'], ['db 2']] } });
    expect(ast('GRANT USAGE ON CATALOG default_catalog TO r')).toMatchObject({ on: { kind: 'names', type: 'CATALOG', names: [['default_catalog']] } });
    expect(ast('GRANT SELECT ON VIEW db1.v TO r')).toMatchObject({ on: { kind: 'names', type: 'VIEW', names: [['db1', 'v']] } });
    expect(ast('GRANT REFRESH ON MATERIALIZED VIEW db1.mv TO r')).toMatchObject({ on: { kind: 'names', type: 'MATERIALIZED VIEW', names: [['db1', 'mv']] } });
  });

  it('takes functions by signature and users by identity', () => {
    expect(ast('GRANT USAGE ON FUNCTION db1.f(INT, VARCHAR(10)), g() TO r')).toMatchObject({
      on: {
        kind: 'functions', global: false,
        functions: [
          { name: { db: 'db1', name: 'f' }, argTypes: [{ name: 'INT', params: [] }, { name: 'VARCHAR', params: [10] }], variadic: false },
          { name: { name: 'g' }, argTypes: [], variadic: false },
        ],
      },
    });
    expect(ast('GRANT USAGE ON GLOBAL FUNCTION f(INT) TO r')).toMatchObject({ on: { kind: 'functions', global: true } });
    expect(ast("GRANT IMPERSONATE ON USER root, 'test_user'@'%' TO test_user")).toMatchObject({
      on: { kind: 'users', users: [{ user: 'root', host: '%' }, { user: 'test_user', host: '%' }] }, grantee: u('test_user'),
    });
  });

  it('takes ALL <objects> [IN DATABASE d | IN ALL DATABASES]', () => {
    expect(ast('GRANT EXPORT ON ALL TABLES IN DATABASE db1 TO ROLE backup_db')).toMatchObject({ on: { kind: 'all', type: 'TABLE', in: { db: 'db1' } } });
    expect(ast('GRANT SELECT ON ALL TABLES IN ALL DATABASES TO r')).toMatchObject({ on: { kind: 'all', type: 'TABLE', in: { allDatabases: true } } });
    expect(ast('GRANT ALTER ON ALL DATABASES TO r')).toEqual(expect.objectContaining({ on: { kind: 'all', type: 'DATABASE' } }));
    // StarRocks' English privilege guide spells it in the singular.
    expect(ast('GRANT CREATE TABLE ON ALL DATABASE TO ROLE recover')).toEqual(expect.objectContaining({ on: { kind: 'all', type: 'DATABASE' } }));
    expect(ast('GRANT USAGE ON ALL CATALOGS TO r')).toMatchObject({ on: { kind: 'all', type: 'CATALOG' } });
    expect(ast('GRANT SELECT ON ALL MATERIALIZED VIEWS IN DATABASE d TO r')).toMatchObject({ on: { kind: 'all', type: 'MATERIALIZED VIEW' } });
    expect(ast('GRANT USAGE ON ALL GLOBAL FUNCTIONS TO r')).toMatchObject({ on: { kind: 'all', type: 'GLOBAL FUNCTION' } });
    expect(ast('GRANT DROP ON ALL FUNCTIONS IN ALL DATABASES TO r')).toMatchObject({ on: { kind: 'all', type: 'FUNCTION' } });
    expect(ast('GRANT IMPERSONATE ON ALL USERS TO r')).toMatchObject({ on: { kind: 'all', type: 'USER' } });
    expect(ast('REVOKE SELECT ON ALL VIEWS IN DATABASE d FROM ROLE r')).toMatchObject({ kind: 'RevokePrivilege', on: { kind: 'all', type: 'VIEW' } });
  });

  it('refuses what the grammar does not have, saying what it expected', () => {
    // PrivilegeStmtAnalyzerV2Test: `revoke select on ALL tables IN ALL tables …` fails at the second `tables`.
    expect(syntaxError('REVOKE SELECT ON ALL tables IN ALL tables FROM test_user')).toBe(syntax(36, "Unexpected input 'tables', the most similar input is {'DATABASES'}"));
    expect(syntaxError('GRANT SELEC ON TABLE t TO u')).toBe(syntax(7, "Unexpected input 'SELEC', the most similar input is {'SELECT', 'DELETE', 'FILE', 'ALL', 'ALTER'}"));
    expect(syntaxError('GRANT CREATE ON SYSTEM TO u')).toMatch(/column 14\. Detail message: Unexpected input 'ON'/);
    expect(syntaxError('GRANT SELECT ON TABLE t')).toBe(syntax(24, "Unexpected end of input, expected one of {'.', ',', 'TO'}"));
    expect(syntaxError('GRANT SELECT ON ALL TABLE TO u')).toMatch(/Unexpected input 'TABLE', the most similar input is \{'TABLES'/);
    expect(syntaxError('REVOKE SELECT ON TABLE t FROM u WITH GRANT OPTION')).toMatch(/Unexpected input 'WITH'/);
  });
});

describe('GRANT and REVOKE of roles', () => {
  it('takes one or several roles, to a user (USER optional) or a role', () => {
    expect(ast('GRANT backup_tbl TO USER jack')).toEqual({ kind: 'GrantRole', roles: ['backup_tbl'], grantee: u('jack') });
    expect(ast("GRANT 'r1', r2 TO 'jack'@'192.168.%'")).toEqual({ kind: 'GrantRole', roles: ['r1', 'r2'], grantee: u('jack', '192.168.%') });
    expect(ast('GRANT db_admin TO ROLE ops')).toEqual({ kind: 'GrantRole', roles: ['db_admin'], grantee: { role: 'ops' } });
    expect(ast('REVOKE r1 FROM ROLE r2')).toEqual({ kind: 'RevokeRole', roles: ['r1'], grantee: { role: 'r2' } });
    expect(ast('REVOKE r1, r2 FROM jack')).toEqual({ kind: 'RevokeRole', roles: ['r1', 'r2'], grantee: u('jack') });
  });

  it('refuses a missing grantee', () => {
    expect(syntaxError('GRANT r1 TO')).toBe(syntax(12, "Unexpected end of input, expected one of {'USER', 'ROLE', a string, a legal identifier}"));
    expect(syntaxError('REVOKE r1 TO u')).toBe(syntax(11, "Unexpected input 'TO', the most similar input is {',', 'FROM'}"));
  });
});

describe('CREATE, ALTER, DROP and SHOW ROLES', () => {
  it('takes lists, IF [NOT] EXISTS and a comment', () => {
    expect(ast('CREATE ROLE backup_tbl')).toEqual({ kind: 'CreateRole', roles: ['backup_tbl'], ifNotExists: false });
    expect(ast("CREATE ROLE IF NOT EXISTS r1, 'r2' COMMENT 'backs up tables'")).toEqual({
      kind: 'CreateRole', roles: ['r1', 'r2'], ifNotExists: true, comment: 'backs up tables',
    });
    expect(ast("ALTER ROLE IF EXISTS r1 SET COMMENT = 'new'")).toEqual({ kind: 'AlterRole', roles: ['r1'], ifExists: true, comment: 'new' });
    expect(ast('DROP ROLE IF EXISTS r1, r2')).toEqual({ kind: 'DropRole', roles: ['r1', 'r2'], ifExists: true });
    expect(ast('DROP ROLE r1')).toEqual({ kind: 'DropRole', roles: ['r1'], ifExists: false });
    expect(ast('SHOW ROLES')).toEqual({ kind: 'ShowRoles' });
  });

  it('refuses a role list that is not one', () => {
    expect(syntaxError('CREATE ROLE')).toBe(syntax(12, "Unexpected end of input, expected one of {'IF', a string, a legal identifier}"));
    expect(syntaxError("ALTER ROLE r COMMENT 'x'")).toBe(syntax(14, "Unexpected input 'COMMENT', the most similar input is {',', 'SET'}"));
  });
});

describe('SET ROLE, SET DEFAULT ROLE and ALTER USER … DEFAULT ROLE', () => {
  it('takes each form of SET ROLE', () => {
    expect(ast('SET ROLE DEFAULT')).toEqual({ kind: 'SetRole', mode: 'DEFAULT', roles: [] });
    expect(ast('SET ROLE NONE')).toEqual({ kind: 'SetRole', mode: 'NONE', roles: [] });
    expect(ast('SET ROLE ALL')).toEqual({ kind: 'SetRole', mode: 'ALL', roles: [] });
    expect(ast("SET ROLE ALL EXCEPT 'role1', role2")).toEqual({ kind: 'SetRole', mode: 'ALL', roles: ['role1', 'role2'] });
    expect(ast("SET ROLE 'role1', role2")).toEqual({ kind: 'SetRole', mode: 'ROLES', roles: ['role1', 'role2'] });
  });

  it('keeps SET role = … a variable', () => {
    expect(ast("SET role = 'x'")).toMatchObject({ kind: 'SetVariables' });
  });

  it('takes SET DEFAULT ROLE … TO u and its ALTER USER spelling', () => {
    expect(ast('SET DEFAULT ROLE ALL TO test_user')).toEqual({ kind: 'SetDefaultRole', mode: 'ALL', roles: [], user: { user: 'test_user', host: '%' } });
    expect(ast("SET DEFAULT ROLE NONE TO 'u'@'h'")).toEqual({ kind: 'SetDefaultRole', mode: 'NONE', roles: [], user: { user: 'u', host: 'h' } });
    expect(ast("SET DEFAULT ROLE 'role1', r2 TO u")).toEqual({ kind: 'SetDefaultRole', mode: 'ROLES', roles: ['role1', 'r2'], user: { user: 'u', host: '%' } });
    expect(ast('ALTER USER jack DEFAULT ROLE db_admin, r1')).toEqual({ kind: 'SetDefaultRole', mode: 'ROLES', roles: ['db_admin', 'r1'], user: { user: 'jack', host: '%' } });
    expect(ast('ALTER USER jack DEFAULT ROLE NONE')).toMatchObject({ kind: 'SetDefaultRole', mode: 'NONE' });
    expect(ast('CREATE USER jack IDENTIFIED BY \'pw\' DEFAULT ROLE r1, r2')).toMatchObject({ kind: 'CreateUser', defaultRoles: ['r1', 'r2'] });
  });

  it('refuses SET DEFAULT ROLE without TO, and SET ROLE without roles', () => {
    expect(syntaxError('SET DEFAULT ROLE ALL')).toBe(syntax(21, "Unexpected end of input, expected 'TO'"));
    expect(syntaxError('SET ROLE ALL EXCEPT')).toBe(syntax(20, 'Unexpected end of input, expected one of {a string, a legal identifier}'));
  });
});

describe('SHOW GRANTS', () => {
  it('takes no FOR, FOR [USER] u and FOR ROLE r', () => {
    expect(ast('SHOW GRANTS')).toEqual({ kind: 'ShowGrants' });
    expect(ast("SHOW GRANTS FOR 'jack'@'%'")).toEqual({ kind: 'ShowGrants', user: { user: 'jack', host: '%' } });
    expect(ast('SHOW GRANTS FOR USER jack')).toEqual({ kind: 'ShowGrants', user: { user: 'jack', host: '%' } });
    expect(ast('SHOW GRANTS FOR ROLE backup_tbl')).toEqual({ kind: 'ShowGrants', role: 'backup_tbl' });
  });

  it('refuses FOR with nothing after it', () => {
    expect(syntaxError('SHOW GRANTS FOR')).toBe(syntax(16, "Unexpected end of input, expected one of {'USER', 'ROLE', a string, a legal identifier}"));
  });
});
