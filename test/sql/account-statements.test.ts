import { describe, expect, it } from 'vitest';
import { redactStatement, redactWithSecrets } from '../../lib/sql/redact-statement.ts';
import { ast, syntaxError } from './helpers.ts';

/**
 * Account statements as StarRocks' grammar spells them (fe-core sql/parser/StarRocks.g4: createUserStatement,
 * alterUserStatement, dropUserStatement, showUserStatement, setPassword, userIdentity, authOption; docs
 * sql-reference/sql-statements/account-management/CREATE_USER.md, ALTER_USER.md, DROP_USER.md, SET_PASSWORD.md).
 */
const HASH = '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9';

describe('CREATE USER', () => {
  it("takes a user identity in each quoting, the host '%' when none is written", () => {
    expect(ast('CREATE USER jack')).toEqual({ kind: 'CreateUser', user: { user: 'jack', host: '%' }, ifNotExists: false });
    expect(ast("CREATE USER 'jack'@'172.10.1.10'")).toMatchObject({ user: { user: 'jack', host: '172.10.1.10' } });
    expect(ast("CREATE USER jack@'192.168.%'")).toMatchObject({ user: { user: 'jack', host: '192.168.%' } });
    expect(ast('CREATE USER `jack`@`%`')).toMatchObject({ user: { user: 'jack', host: '%' } });
    expect(ast('CREATE USER "jack"@"%"')).toMatchObject({ user: { user: 'jack', host: '%' } });
  });

  it('takes IF NOT EXISTS and every mysql_native_password form', () => {
    expect(ast("CREATE USER IF NOT EXISTS 'u' IDENTIFIED BY 'pw'")).toEqual({
      kind: 'CreateUser', user: { user: 'u', host: '%' }, ifNotExists: true, auth: { password: { kind: 'plain', value: 'pw' } },
    });
    expect(ast(`CREATE USER u IDENTIFIED BY PASSWORD '${HASH}'`)).toMatchObject({ auth: { password: { kind: 'hash', value: HASH } } });
    expect(ast("CREATE USER u IDENTIFIED WITH mysql_native_password BY 'pw'")).toMatchObject({
      auth: { plugin: 'mysql_native_password', password: { kind: 'plain', value: 'pw' } },
    });
    expect(ast(`CREATE USER u IDENTIFIED WITH mysql_native_password AS '${HASH}'`)).toMatchObject({
      auth: { plugin: 'mysql_native_password', password: { kind: 'hash', value: HASH } },
    });
    expect(ast('CREATE USER u IDENTIFIED WITH mysql_native_password')).toMatchObject({ auth: { plugin: 'mysql_native_password' } });
  });

  it('refuses a password that is not a string, and a missing host', () => {
    expect(syntaxError('CREATE USER u IDENTIFIED BY pw')).toBe("Getting syntax error at line 1, column 29. Detail message: Unexpected input 'pw', the most similar input is {'PASSWORD', a string}.");
    expect(syntaxError("CREATE USER 'u'@")).toBe('Getting syntax error at line 1, column 17. Detail message: Unexpected end of input, expected one of {a string, a legal identifier}.');
  });
});

describe('ALTER USER, DROP USER, SHOW USERS, SET PASSWORD', () => {
  it('parses each', () => {
    expect(ast("ALTER USER root IDENTIFIED BY 'pw'")).toEqual({
      kind: 'AlterUser', user: { user: 'root', host: '%' }, ifExists: false, auth: { password: { kind: 'plain', value: 'pw' } },
    });
    expect(ast("ALTER USER IF EXISTS 'u'@'10.0.0.1' IDENTIFIED BY ''")).toMatchObject({ ifExists: true, user: { user: 'u', host: '10.0.0.1' } });
    expect(ast("DROP USER 'u'@'%'")).toEqual({ kind: 'DropUser', user: { user: 'u', host: '%' }, ifExists: false });
    expect(ast('DROP USER IF EXISTS u')).toEqual({ kind: 'DropUser', user: { user: 'u', host: '%' }, ifExists: true });
    expect(ast('SHOW USERS')).toEqual({ kind: 'ShowUsers' });
    expect(ast("SET PASSWORD = PASSWORD('pw')")).toEqual({ kind: 'SetPassword', auth: { password: { kind: 'plain', value: 'pw' } } });
    expect(ast(`SET PASSWORD FOR 'u'@'%' = '${HASH}'`)).toEqual({
      kind: 'SetPassword', user: { user: 'u', host: '%' }, auth: { password: { kind: 'hash', value: HASH } },
    });
  });

  it('still reads ALTER MATERIALIZED VIEW and SET of a variable', () => {
    expect(ast('ALTER MATERIALIZED VIEW mv ACTIVE')).toMatchObject({ kind: 'AlterMaterializedViewActive' });
    expect(ast('SET wait_timeout = 10')).toMatchObject({ kind: 'SetVariables' });
    expect(syntaxError('ALTER TABLE t')).toMatch(/Unexpected input 'TABLE', the most similar input is \{'MATERIALIZED', 'USER', 'ROLE'\}/);
  });

  it('needs ALTER USER to say the new password', () => {
    expect(syntaxError('ALTER USER u')).toBe("Getting syntax error at line 1, column 13. Detail message: Unexpected end of input, expected one of {'@', 'DEFAULT', 'IDENTIFIED'}.");
  });
});

describe('passwords in echoed statements', () => {
  it('masks every password and hash form, and reports the values so messages can be masked too', () => {
    expect(redactStatement("CREATE USER 'u'@'%' IDENTIFIED BY 'S3cret!'")).toBe("CREATE USER 'u'@'%' IDENTIFIED BY '***'");
    expect(redactStatement("create user u identified with mysql_native_password by 'S3cret!'")).toBe("create user u identified with mysql_native_password by '***'");
    expect(redactStatement(`CREATE USER u IDENTIFIED WITH mysql_native_password AS '${HASH}'`)).toBe("CREATE USER u IDENTIFIED WITH mysql_native_password AS '***'");
    expect(redactStatement(`CREATE USER u IDENTIFIED BY PASSWORD '${HASH}'`)).toBe("CREATE USER u IDENTIFIED BY PASSWORD '***'");
    expect(redactStatement("ALTER USER root IDENTIFIED BY \"S3cret!\"")).toBe('ALTER USER root IDENTIFIED BY "***"');
    expect(redactStatement("SET PASSWORD FOR 'u' = PASSWORD('S3cret!')")).toBe("SET PASSWORD FOR 'u' = PASSWORD('***')");
    expect(redactStatement(`SET PASSWORD = '${HASH}'`)).toBe("SET PASSWORD = '***'");
    expect(redactWithSecrets("ALTER USER u IDENTIFIED BY 'S3cret!'").secrets).toEqual(['S3cret!']);
  });

  it('masks a password past a lexical error', () => {
    expect(redactStatement("CREATE USER u IDENTIFIED BY 'S3cret! `")).toBe("CREATE USER u IDENTIFIED BY '***");
    expect(redactStatement("SET PASSWORD = PASSWORD('S3cret!) \\")).toBe("SET PASSWORD = PASSWORD('***");
  });
});
