import { describe, expect, it } from 'vitest';
import { ParseError } from '../../lib/domain/errors.ts';
import { parseExpression, parseScript, parseStatement, parseStatements } from '../../lib/sql/parse.ts';

/** The ParseError that `run` throws. */
function parseError(run: () => unknown): ParseError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return err as ParseError;
  }
  throw new Error('expected a ParseError');
}

const message = (sql: string) => parseError(() => parseStatements(sql)).message;
const syntax = (line: number, column: number, detail: string) =>
  `Getting syntax error at line ${line}, column ${column}. Detail message: ${detail}.`;

describe('syntax errors', () => {
  it('points at a misspelt keyword on line 3 and suggests the closest ones', () => {
    const sql = 'RESTORE SNAPSHOT sr_hub_backup\nFROM test_repo\n  PROPERTEIS ("backup_timestamp" = "2024-12-09-10-25-58-842")';
    const err = parseError(() => parseStatement(sql));
    expect(err.name).toBe('ParseError');
    expect([err.line, err.column]).toEqual([3, 3]);
    expect(err.detail).toBe("Unexpected input 'PROPERTEIS', the most similar input is {'PROPERTIES', 'EXTERNAL', 'DATABASE', 'ON', <EOF>}");
    expect(err.message).toBe(syntax(3, 3, err.detail));
  });

  it('reports positions within the whole script, not within the statement', () => {
    expect(message('SHOW DATABASES;\n\nBACKUP DATABASE d SNAPSHOT s\n  TO r ON (TABLE)')).toBe(
      syntax(4, 17, "Unexpected input ')', the most similar input is {a legal identifier}"),
    );
  });

  it('lists what was expected, keyword, identifier or symbol', () => {
    expect(message('CREATE DATABASE LIKE')).toBe(syntax(1, 17, "Unexpected input 'LIKE', the most similar input is {'IF', a legal identifier}"));
    expect(message('CREATE VIEW v AS UPDATE t')).toBe(syntax(1, 18, "Unexpected input 'UPDATE', the most similar input is {'SELECT', 'WITH'}"));
    expect(message('CANCEL BACKUP FOR CATALOG')).toBe(syntax(1, 19, "Unexpected input 'CATALOG', the most similar input is {'EXTERNAL'}"));
  });

  it('says what input ended too early and what it needed', () => {
    expect(message('SHOW SNAPSHOT ON r WHERE SNAPSHOT IN (\'a\', \'b\'')).toBe(
      syntax(1, 47, "Unexpected end of input, expected one of {',', ')'}"),
    );
    expect(message('BACKUP SNAPSHOT s TO r ON (t PARTITION (p1)')).toBe(syntax(1, 44, "Unexpected end of input, expected one of {'AS', ',', ')'}"));
    expect(message('CREATE TABLE t (a INT')).toBe(syntax(1, 22, "Unexpected end of input, expected one of {'(', 'NOT', 'NULL', 'AUTO_INCREMENT', 'DEFAULT'}"));
    expect(message('SELECT * FROM (')).toBe(syntax(1, 15, "Unexpected input '(', the most similar input is {a legal identifier}"));
    expect(message('DROP REPOSITORY')).toBe(syntax(1, 16, 'Unexpected end of input, expected a legal identifier'));
    expect(parseError(() => parseStatement('  -- nothing')).message).toBe(syntax(1, 13, 'Unexpected end of input, expected a statement'));
    expect(parseError(() => parseExpression('a = ')).message).toBe(syntax(1, 4, 'Unexpected end of input, expected an expression'));
  });

  it('lists the statement words of each keyword dispatch in their order', () => {
    expect(message('CRATE DATABASE d')).toBe(syntax(1, 1, "Unexpected input 'CRATE', the most similar input is {'CREATE', 'GRANT', 'DROP', 'USE', 'CANCEL'}"));
    expect(message('x')).toBe(syntax(1, 1, "Unexpected input 'x', the most similar input is {'USE', 'SET', 'DROP', 'SHOW', 'ADMIN'}"));
    expect(message('CREATE')).toBe(syntax(1, 7, "Unexpected end of input, expected one of {'DATABASE', 'TABLE', 'VIEW', 'MATERIALIZED', 'FUNCTION'}"));
    expect(message('CREATE x')).toBe(syntax(1, 8, "Unexpected input 'x', the most similar input is {'OR', 'VIEW', 'USER', 'ROLE', 'READ'}"));
    expect(message('DROP x')).toBe(syntax(1, 6, "Unexpected input 'x', the most similar input is {'VIEW', 'USER', 'ROLE', 'TABLE', 'CATALOG'}"));
    expect(message('SHOW')).toBe(syntax(1, 5, "Unexpected end of input, expected one of {'DATABASES', 'TABLES', 'PARTITIONS', 'CREATE', 'FUNCTIONS'}"));
    expect(message('SHOW FUNCTOINS')).toBe(syntax(1, 6, "Unexpected input 'FUNCTOINS', the most similar input is {'FUNCTIONS', 'BUILTIN', 'PARTITIONS', 'FULL', 'CATALOGS'}"));
  });

  it('rejects junk after a statement', () => {
    expect(message('SHOW DATABASES LIKE \'x\'')).toBe(syntax(1, 16, "Unexpected input 'LIKE', the most similar input is {<EOF>}"));
    expect(message('SELECT * FROM t LIMIT 10\n  junk')).toBe(syntax(2, 3, "Unexpected input 'junk', the most similar input is {<EOF>}"));
    expect(parseError(() => parseStatement('SHOW DATABASES; SHOW CATALOGS')).message).toBe(
      syntax(1, 17, "Unexpected input 'SHOW', only one statement is allowed here"),
    );
  });

  it('rejects unterminated strings, names and comments where they start', () => {
    expect(message("SHOW SNAPSHOT ON r\nWHERE SNAPSHOT = 'abc")).toBe(syntax(2, 18, 'Unterminated string literal'));
    expect(message('SELECT * FROM t WHERE a = "x\\"')).toBe(syntax(1, 27, 'Unterminated string literal'));
    expect(message('DROP TABLE `t')).toBe(syntax(1, 12, 'Unterminated quoted identifier'));
    expect(message('SHOW TABLES /* x')).toBe(syntax(1, 13, 'Unterminated comment'));
  });

  it('rejects characters that SQL does not use outside strings and names', () => {
    expect(message('SELECT * FROM 表')).toBe(syntax(1, 15, "Unexpected character '表' (U+8868)"));
    expect(message('SHOW\u0000TABLES')).toBe(syntax(1, 5, 'Unexpected character U+0000'));
    expect(message('CREATE DATABASE 1abc')).toBe(
      syntax(1, 17, "Unexpected input '1abc': a name cannot start with a digit unless it is backquoted"),
    );
    expect(message('CREATE DATABASE ``')).toBe(syntax(1, 17, 'Empty quoted identifier'));
  });

  it('rejects a property key given twice, at the second one', () => {
    expect(message('BACKUP SNAPSHOT d.s TO r\nPROPERTIES ("type" = "full",\n  \'type\' = "full")')).toBe(
      syntax(3, 3, "Duplicate property key 'type'"),
    );
  });

  it('rejects what the AST cannot carry, saying so', () => {
    expect(message('INSERT INTO t SELECT a FROM b')).toBe(
      syntax(1, 22, 'Only VALUES and SELECT * FROM FILES(...) are supported as the source of INSERT'),
    );
    expect(message('INSERT INTO t SELECT * FROM b')).toBe(
      syntax(1, 29, 'Only VALUES and SELECT * FROM FILES(...) are supported as the source of INSERT'),
    );
    const exprPartitioning = 'Expression partitioning is not supported; use PARTITION BY RANGE (...) or PARTITION BY LIST (...)';
    expect(message("CREATE TABLE t (d DATE) PARTITION BY date_trunc('day', d)")).toBe(syntax(1, 38, exprPartitioning));
    expect(message('CREATE TABLE t (d DATE) PARTITION BY (d)')).toBe(syntax(1, 38, exprPartitioning));
    expect(message("CREATE MATERIALIZED VIEW mv PARTITION BY date_trunc('day', d) AS SELECT * FROM t")).toBe(
      syntax(1, 42, 'Expression partitioning is not supported; partition a materialized view by a column'),
    );
    expect(message('CREATE TABLE t (a INT) ENGINE = mysql')).toBe(syntax(1, 33, "Unsupported engine 'mysql': only OLAP tables are supported"));
    expect(message('CREATE TABLE t (a INT NULL NOT NULL)')).toBe(syntax(1, 28, "Column 'a' has more than one NULL clause"));
    expect(message('CREATE MATERIALIZED VIEW mv REFRESH ASYNC REFRESH MANUAL AS SELECT * FROM t')).toBe(
      syntax(1, 43, 'Duplicate REFRESH clause'),
    );
  });

  it('rejects integers that do not fit', () => {
    expect(message('SELECT * FROM t LIMIT 99999999999999999999')).toBe(syntax(1, 23, "Integer '99999999999999999999' is out of range"));
  });
});

describe('limits', () => {
  it('rejects nesting deeper than 200, by parentheses, NOT or long AND/OR chains', () => {
    const parens = `SELECT * FROM t WHERE ${'('.repeat(201)}a = 1${')'.repeat(201)}`;
    expect(message(parens)).toBe(syntax(1, 223, 'Statement is nested more than 200 levels deep'));
    expect(() => parseStatement(`SELECT * FROM t WHERE ${'('.repeat(150)}a = 1${')'.repeat(150)}`)).not.toThrow();
    expect(message(`SHOW BACKUP WHERE ${'NOT '.repeat(500)}a`)).toBe(syntax(1, 819, 'Statement is nested more than 200 levels deep'));
    const chain = Array.from({ length: 250 }, (_, i) => `a = ${i}`).join(' OR ');
    expect(message(`SHOW RESTORE WHERE ${chain}`)).toBe(syntax(1, 20, 'Expression is nested more than 200 levels deep'));
    expect(message(`SHOW BACKUP WHERE ${'('.repeat(100_000)}`)).toMatch(/nested more than 200 levels deep/);
  });

  it('rejects a statement over 1 MiB, counting UTF-8 bytes, but not a script of smaller ones', () => {
    const big = (n: number, ch = 'x') => `INSERT INTO t VALUES ('${ch.repeat(n)}')`;
    expect(() => parseStatement(big(1024 * 1024 - 100))).not.toThrow();
    expect(parseError(() => parseStatement(big(1024 * 1024)))).toMatchObject({ line: 1, column: 1, detail: 'Statement is longer than 1048576 bytes' });
    expect(() => parseStatement(big(400 * 1024, 'é'))).not.toThrow();
    expect(parseError(() => parseStatement(big(600 * 1024, 'é'))).detail).toBe('Statement is longer than 1048576 bytes');
    const script = `${big(700 * 1024)};\n${big(700 * 1024)}`;
    expect(parseStatements(script)).toHaveLength(2);
    expect(parseError(() => parseStatements(`SHOW DATABASES;\n  ${big(2 * 1024 * 1024)}`))).toMatchObject({ line: 2, column: 3 });
  });

  // No clock here (a loaded machine is only slower): a parser gone quadratic on 70,000 rows would not
  // finish within the test's timeout.
  it('parses a statement just under the cap', () => {
    const rows = Array.from({ length: 70_000 }, (_, i) => `(${i}, 'x')`).join(',');
    const s = parseStatement(`INSERT INTO t VALUES ${rows}`);
    expect(s.kind === 'Insert' && s.source.type === 'values' && s.source.rows.length).toBe(70_000);
  });

  it('turns input that is not a string into a ParseError too', () => {
    expect(parseError(() => parseStatement(undefined as unknown as string)).detail).toBe('The statement must be a string');
    expect(parseError(() => parseStatements(42 as unknown as string)).detail).toBe('The statement must be a string');
  });
});

describe('parseScript', () => {
  it('keeps the statements before the first error, with the failing text and the error', () => {
    const r = parseScript('CREATE DATABASE d;\nSHOW DATABASES;\nSHOW TABLEZ;\nSHOW CATALOGS');
    expect(r.statements.map((s) => s.text)).toEqual(['CREATE DATABASE d', 'SHOW DATABASES']);
    expect(r.failure?.text).toBe('SHOW TABLEZ');
    expect(r.failure?.error).toBeInstanceOf(ParseError);
    expect(r.failure?.error.message).toMatch(/^Getting syntax error at line 3, column 6\. /);
  });

  it('takes the rest of the script as the failing text after a lexical error', () => {
    const r = parseScript("SHOW DATABASES; -- ok\n  SELECT * FROM t WHERE a = 'x;\n");
    expect(r.statements.map((s) => s.kind)).toEqual(['ShowDatabases']);
    expect(r.failure?.text).toBe("-- ok\n  SELECT * FROM t WHERE a = 'x;");
    expect(r.failure?.error.message).toBe(syntax(2, 29, 'Unterminated string literal'));
  });

  it('reports a whole script that parses with no failure, and never throws', () => {
    expect(parseScript('SHOW DATABASES; SHOW CATALOGS;')).toEqual({
      statements: [{ kind: 'ShowDatabases', text: 'SHOW DATABASES' }, { kind: 'ShowCatalogs', text: 'SHOW CATALOGS' }],
    });
    expect(parseScript(null as unknown as string).failure?.error.detail).toBe('The statement must be a string');
  });
});
