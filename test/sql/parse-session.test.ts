import { describe, expect, it } from 'vitest';
import { redactStatement } from '../../lib/sql/redact-statement.ts';
import { ast, syntaxError } from './helpers.ts';

const variable = (name: string, scope: 'SESSION' | 'GLOBAL' = 'SESSION') => ({ kind: 'variable', name, scope });

describe('SELECT without FROM', () => {
  it('takes the mysql client\'s first query, titled as written', () => {
    expect(ast('SELECT @@version_comment LIMIT 1')).toEqual({
      kind: 'SelectValues', items: [{ expr: variable('version_comment'), title: '@@version_comment' }], limit: 1,
    });
  });

  // Connector/J 8 (ConnectionImpl.loadServerVariables) sends its version in a comment, then one SELECT of
  // @@variables each aliased to its own name.
  it("takes Connector/J's connect query, comment and aliases included", () => {
    const s = ast('/* mysql-connector-java-8.0.33 (Revision: x) */SELECT  @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@transaction_isolation AS transaction_isolation');
    expect(s).toEqual({
      kind: 'SelectValues',
      items: [
        { expr: variable('auto_increment_increment'), title: 'auto_increment_increment' },
        { expr: variable('character_set_client'), title: 'character_set_client' },
        { expr: variable('transaction_isolation'), title: 'transaction_isolation' },
      ],
    });
  });

  it('reads @@global., @@local. and @@session. scopes, and keeps the text as the title', () => {
    expect(ast('select @@GLOBAL.time_zone, @@local.sql_mode, @@Session.autocommit')).toEqual({
      kind: 'SelectValues',
      items: [
        { expr: variable('time_zone', 'GLOBAL'), title: '@@GLOBAL.time_zone' },
        { expr: variable('sql_mode'), title: '@@local.sql_mode' },
        { expr: variable('autocommit'), title: '@@Session.autocommit' },
      ],
    });
  });

  it('takes session functions, CURRENT_USER with or without parentheses, literals and aliases', () => {
    expect(ast("SELECT DATABASE(), current_user, USER() AS u, CONNECTION_ID() id, 1, 'a' 'b', NULL")).toEqual({
      kind: 'SelectValues',
      items: [
        { expr: { kind: 'function', name: 'DATABASE' }, title: 'DATABASE()' },
        { expr: { kind: 'function', name: 'CURRENT_USER' }, title: 'current_user' },
        { expr: { kind: 'function', name: 'USER' }, title: 'u' },
        { expr: { kind: 'function', name: 'CONNECTION_ID' }, title: 'id' },
        { expr: { kind: 'literal', literal: { kind: 'literal', type: 'number', value: '1' } }, title: '1' },
        { expr: { kind: 'literal', literal: { kind: 'literal', type: 'string', value: 'a' } }, title: 'b' },
        { expr: { kind: 'literal', literal: { kind: 'literal', type: 'null' } }, title: 'NULL' },
      ],
    });
  });

  it('still parses a SELECT with FROM as a table query, but FROM DUAL as none', () => {
    expect(ast('SELECT COUNT(*) FROM d.t').kind).toBe('Select');
    expect(ast('SELECT 1 FROM DUAL LIMIT 1')).toMatchObject({ kind: 'SelectValues', items: [{ title: '1' }], limit: 1 });
  });

  it("redacts a SET statement's text as any other statement's", () => {
    expect(redactStatement("SET sql_mode = 'ANSI'")).toBe("SET sql_mode = 'ANSI'");
  });

  it('refuses @@ split by a space, and functions that need a table', () => {
    expect(syntaxError('SELECT @ @version')).toContain("Unexpected input '@', a system variable is written @@name");
    expect(syntaxError('SELECT NOW()')).toContain('Function NOW() needs a FROM clause here');
    expect(syntaxError('SELECT @@')).toContain('Unexpected end of input');
  });
});

describe('SET', () => {
  it('takes scopes, @@ forms, := and several assignments', () => {
    expect(ast("SET SESSION wait_timeout = 10, GLOBAL sql_mode := 'ANSI', LOCAL autocommit = ON, @@session.time_zone = '+00:00', x = DEFAULT")).toEqual({
      kind: 'SetVariables',
      items: [
        { kind: 'variable', scope: 'SESSION', name: 'wait_timeout', value: { type: 'literal', literal: { kind: 'literal', type: 'number', value: '10' } } },
        { kind: 'variable', scope: 'GLOBAL', name: 'sql_mode', value: { type: 'literal', literal: { kind: 'literal', type: 'string', value: 'ANSI' } } },
        { kind: 'variable', scope: 'SESSION', name: 'autocommit', value: { type: 'word', word: 'ON' } },
        { kind: 'variable', scope: 'SESSION', name: 'time_zone', value: { type: 'literal', literal: { kind: 'literal', type: 'string', value: '+00:00' } } },
        { kind: 'variable', scope: 'SESSION', name: 'x', value: { type: 'default' } },
      ],
    });
  });

  it('takes what Connector/J sends after connecting', () => {
    expect(ast('SET NAMES utf8mb4 COLLATE utf8mb4_general_ci')).toEqual({ kind: 'SetVariables', items: [{ kind: 'names', charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }] });
    expect(ast('SET character_set_results = NULL')).toEqual({
      kind: 'SetVariables', items: [{ kind: 'variable', scope: 'SESSION', name: 'character_set_results', value: { type: 'literal', literal: { kind: 'literal', type: 'null' } } }],
    });
    expect(ast('SET autocommit=1').kind).toBe('SetVariables');
  });

  it('takes SET CHARACTER SET, CHARSET DEFAULT and SET TRANSACTION', () => {
    expect(ast("SET CHARACTER SET 'utf8'")).toEqual({ kind: 'SetVariables', items: [{ kind: 'names', charset: 'utf8' }] });
    expect(ast('SET CHARSET DEFAULT')).toEqual({ kind: 'SetVariables', items: [{ kind: 'names' }] });
    expect(ast('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY')).toEqual({
      kind: 'SetVariables', items: [{ kind: 'transaction', scope: 'SESSION', isolation: 'READ-COMMITTED', readOnly: true }],
    });
    expect(ast('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')).toEqual({
      kind: 'SetVariables', items: [{ kind: 'transaction', scope: 'SESSION', isolation: 'REPEATABLE-READ' }],
    });
  });

  it('takes a variable named like a scope', () => {
    expect(ast('SET global = 1')).toMatchObject({ items: [{ kind: 'variable', scope: 'SESSION', name: 'global' }] });
  });

  it('needs = after the name', () => {
    expect(syntaxError('SET autocommit 1')).toContain("Unexpected input '1', the most similar input is {':=', '='}");
  });
});

describe('SHOW VARIABLES, STATUS, WARNINGS, ERRORS', () => {
  it('takes the scope and LIKE or WHERE', () => {
    expect(ast("SHOW VARIABLES LIKE '%time_zone%'")).toEqual({ kind: 'ShowVariables', global: false, like: '%time_zone%' });
    expect(ast("SHOW GLOBAL VARIABLES WHERE Variable_name = 'x'")).toMatchObject({ kind: 'ShowVariables', global: true, where: { kind: 'compare' } });
    expect(ast('SHOW SESSION VARIABLES')).toEqual({ kind: 'ShowVariables', global: false });
    expect(ast("SHOW LOCAL STATUS LIKE 'Ssl%'")).toEqual({ kind: 'ShowStatus', global: false, like: 'Ssl%' });
    expect(ast('SHOW GLOBAL STATUS')).toEqual({ kind: 'ShowStatus', global: true });
  });

  it('keeps SHOW GLOBAL FUNCTIONS', () => {
    expect(ast('SHOW GLOBAL FUNCTIONS').kind).toBe('ShowFunctions');
  });

  it('takes SHOW WARNINGS and SHOW ERRORS with an optional LIMIT', () => {
    expect(ast('SHOW WARNINGS')).toEqual({ kind: 'ShowWarnings', errors: false });
    expect(ast('SHOW ERRORS LIMIT 10')).toEqual({ kind: 'ShowWarnings', errors: true });
  });
});
