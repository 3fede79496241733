import { describe, expect, it } from 'vitest';
import { parseExpression, parseStatement, parseStatements } from '../../lib/sql/parse.ts';

const literalOf = (sql: string) => parseExpression(`x = ${sql}`);
const right = (sql: string) => {
  const e = literalOf(sql);
  return e.kind === 'compare' ? e.right : undefined;
};

describe('lexical rules', () => {
  it('matches keywords in any case and keeps names as written', () => {
    expect(parseStatement('sHoW tAbLeS fRoM MyDb')).toMatchObject({ kind: 'ShowTables', db: 'MyDb' });
  });

  it('reads backquoted names, with `` for a backquote, and never takes them for keywords', () => {
    expect(parseStatement('CREATE DATABASE `a``b c;d`')).toMatchObject({ name: 'a`b c;d' });
    expect(parseStatement('CREATE DATABASE `select`')).toMatchObject({ name: 'select' });
    expect(parseStatement('USE `数据库`')).toMatchObject({ db: '数据库' });
  });

  it('reads strings in either quote with backslash escapes and doubled quotes', () => {
    expect(right(`'it''s'`)).toEqual({ kind: 'literal', type: 'string', value: "it's" });
    expect(right(`"say ""hi"""`)).toEqual({ kind: 'literal', type: 'string', value: 'say "hi"' });
    expect(right(String.raw`'a\'b\"c\\d\ne\tf'`)).toEqual({ kind: 'literal', type: 'string', value: 'a\'b"c\\d\ne\tf' });
    expect(right(String.raw`'100\%'`)).toEqual({ kind: 'literal', type: 'string', value: '100\\%' });
    expect(right(`'中文 -- # // /* not comments */'`)).toEqual({ kind: 'literal', type: 'string', value: '中文 -- # // /* not comments */' });
  });

  it('reads integers, decimals, exponents and negative numbers as written', () => {
    for (const n of ['0', '42', '3.50', '.5', '1e3', '2.5E-4', '-12', '-0.5']) {
      expect(right(n)).toEqual({ kind: 'literal', type: 'number', value: n });
    }
    expect(right('- 7')).toEqual({ kind: 'literal', type: 'number', value: '-7' });
  });

  it('skips --, #, // and /* */ comments outside strings', () => {
    const script = `-- leading
      # hash
      SHOW /* inline ; */ DATABASES; // trailing
      /* a
         block */ SHOW CATALOGS -- done`;
    expect(parseStatements(script).map((s) => [s.kind, s.text])).toEqual([
      ['ShowDatabases', 'SHOW /* inline ; */ DATABASES'],
      ['ShowCatalogs', 'SHOW CATALOGS'],
    ]);
  });

  it('splits on semicolons outside strings and names, skipping empty statements', () => {
    const script = ";; CREATE DATABASE `x;y` ;\n;INSERT INTO t VALUES (';') ;;";
    expect(parseStatements(script).map((s) => s.text)).toEqual(['CREATE DATABASE `x;y`', "INSERT INTO t VALUES (';')"]);
    expect(parseStatements('')).toEqual([]);
    expect(parseStatements(' ; -- nothing\n ; ')).toEqual([]);
    expect(parseStatement('SHOW DATABASES;')).toMatchObject({ kind: 'ShowDatabases', text: 'SHOW DATABASES' });
  });

  it('skips a byte-order mark at the start of a script, and nowhere else', () => {
    expect(parseStatements('\ufeffSHOW DATABASES').map((s) => s.text)).toEqual(['SHOW DATABASES']);
    expect(() => parseStatements('SHOW \ufeffDATABASES')).toThrow(/Unexpected character/);
  });

  it('accepts file URLs inside strings even though // starts a comment outside them', () => {
    expect(parseStatement('CREATE REPOSITORY r WITH BROKER ON LOCATION "file:///tmp/repo" // local')).toMatchObject({
      location: 'file:///tmp/repo',
    });
  });
});
