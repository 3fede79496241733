import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../lib/sql/parse.ts';
import { ast, col, num, str, type Body } from './helpers.ts';

const type = (name: string, ...params: number[]) => ({ name, params });

describe('databases', () => {
  it.each<[string, Body]>([
    ['CREATE DATABASE d', { kind: 'CreateDatabase', name: 'd', ifNotExists: false }],
    ['create database if not exists `My DB`', { kind: 'CreateDatabase', name: 'My DB', ifNotExists: true }],
    ['DROP DATABASE d', { kind: 'DropDatabase', name: 'd', ifExists: false, force: false }],
    ['DROP DATABASE IF EXISTS d FORCE', { kind: 'DropDatabase', name: 'd', ifExists: true, force: true }],
    ['USE Sales', { kind: 'Use', db: 'Sales' }],
    ['SHOW DATABASES', { kind: 'ShowDatabases' }],
    ['SHOW TABLES', { kind: 'ShowTables' }],
    ['SHOW TABLES FROM d', { kind: 'ShowTables', db: 'd' }],
    ['SHOW TABLES IN d', { kind: 'ShowTables', db: 'd' }],
    ['SHOW PARTITIONS FROM d.t', { kind: 'ShowPartitions', table: { db: 'd', name: 't' } }],
    ['SHOW CREATE TABLE t', { kind: 'ShowCreateTable', table: { name: 't' }, object: 'TABLE' }],
    ['SHOW CREATE VIEW d.v', { kind: 'ShowCreateTable', table: { db: 'd', name: 'v' }, object: 'VIEW' }],
    ['SHOW CREATE MATERIALIZED VIEW mv', { kind: 'ShowCreateTable', table: { name: 'mv' }, object: 'MATERIALIZED VIEW' }],
    ['DROP TABLE t', { kind: 'DropTable', name: { name: 't' }, ifExists: false, force: false }],
    ['DROP TABLE IF EXISTS d.t FORCE', { kind: 'DropTable', name: { db: 'd', name: 't' }, ifExists: true, force: true }],
  ])('%s', (sql, expected) => expect(ast(sql)).toEqual(expected));
});

describe('CREATE TABLE', () => {
  it('reads columns, keys, comment, range partitions, distribution and properties', () => {
    const sql = `CREATE TABLE IF NOT EXISTS sr_hub.sr_member (
      sr_id INT NOT NULL AUTO_INCREMENT COMMENT "id",
      name VARCHAR(20) NULL DEFAULT 'n/a',
      city_code INTEGER,
      reg_date DATE NOT NULL,
      amount DECIMAL(10, 2) DEFAULT "0",
      created DATETIME DEFAULT CURRENT_TIMESTAMP,
      doc JSON
    ) ENGINE = olap
    PRIMARY KEY (sr_id, reg_date)
    COMMENT 'members'
    PARTITION BY RANGE (reg_date) (
      PARTITION p1 VALUES LESS THAN ("2024-01-01"),
      PARTITION p2 VALUES [("2024-01-01"), ("2024-02-01")),
      PARTITION p3 VALUES LESS THAN (MAXVALUE),
      PARTITION p4 VALUES LESS THAN MAXVALUE
    )
    DISTRIBUTED BY HASH (sr_id) BUCKETS 4
    ORDER BY (name)
    PROPERTIES ("replication_num" = "1", 'storage_medium' = 'SSD')`;
    expect(ast(sql)).toEqual({
      kind: 'CreateTable',
      name: { db: 'sr_hub', name: 'sr_member' },
      ifNotExists: true,
      columns: [
        { name: 'sr_id', type: type('INT'), nullable: false, autoIncrement: true, comment: 'id' },
        { name: 'name', type: type('VARCHAR', 20), nullable: true, defaultValue: str('n/a') },
        { name: 'city_code', type: type('INTEGER') },
        { name: 'reg_date', type: type('DATE'), nullable: false },
        { name: 'amount', type: type('DECIMAL', 10, 2), defaultValue: str('0') },
        { name: 'created', type: type('DATETIME'), defaultValue: str('CURRENT_TIMESTAMP') },
        { name: 'doc', type: type('JSON') },
      ],
      keys: { type: 'PRIMARY_KEYS', columns: ['sr_id', 'reg_date'] },
      comment: 'members',
      partition: {
        type: 'RANGE',
        columns: ['reg_date'],
        partitions: [
          { name: 'p1', lessThan: { values: ['2024-01-01'] } },
          { name: 'p2', fixed: { lower: ['2024-01-01'], upper: ['2024-02-01'] } },
          { name: 'p3', lessThan: { maxValue: true } },
          { name: 'p4', lessThan: { maxValue: true } },
        ],
      },
      distribution: { type: 'HASH', columns: ['sr_id'], buckets: 4 },
      properties: { replication_num: '1', storage_medium: 'SSD' },
    });
  });

  it('maps every key word to its KeysType', () => {
    const keys = (word: string) => {
      const s = parseStatement(`CREATE TABLE t (k INT) ${word} KEY (k)`);
      return s.kind === 'CreateTable' ? s.keys?.type : undefined;
    };
    expect(['DUPLICATE', 'UNIQUE', 'PRIMARY', 'AGGREGATE'].map(keys)).toEqual(['DUP_KEYS', 'UNIQUE_KEYS', 'PRIMARY_KEYS', 'AGG_KEYS']);
  });

  it('reads aggregate columns, with the aggregate before or after NULL-ness and DEFAULT', () => {
    const s = ast(`CREATE TABLE t (k INT, a BIGINT SUM DEFAULT "0", b INT NOT NULL MAX, c HLL HLL_UNION,
      d BITMAP BITMAP_UNION, e VARCHAR(5) REPLACE_IF_NOT_NULL NULL, f INT min, g INT REPLACE) AGGREGATE KEY (k)`);
    expect(s.kind === 'CreateTable' && s.columns.map((c) => [c.name, c.aggregate, c.nullable])).toEqual([
      ['k', undefined, undefined],
      ['a', 'SUM', undefined],
      ['b', 'MAX', false],
      ['c', 'HLL_UNION', undefined],
      ['d', 'BITMAP_UNION', undefined],
      ['e', 'REPLACE_IF_NOT_NULL', true],
      ['f', 'MIN', undefined],
      ['g', 'REPLACE', undefined],
    ]);
  });

  it('keeps any other type name and its parameters for the analyzer', () => {
    const s = ast('CREATE TABLE t (a tinyint, b LARGEINT, c decimal64(18, 4), d char(3), e String, f boolean, g Float, h double, i datetime(6), j DECIMALV2, k DECIMAL128(38,10), l SMALLINT)');
    expect(s.kind === 'CreateTable' && s.columns.map((c) => c.type)).toEqual([
      type('TINYINT'), type('LARGEINT'), type('DECIMAL64', 18, 4), type('CHAR', 3), type('STRING'), type('BOOLEAN'),
      type('FLOAT'), type('DOUBLE'), type('DATETIME', 6), type('DECIMALV2'), type('DECIMAL128', 38, 10), type('SMALLINT'),
    ]);
  });

  it('reads defaults that are NULL, numbers and negative numbers', () => {
    const s = ast('CREATE TABLE t (a INT DEFAULT NULL, b INT DEFAULT -5, c DOUBLE DEFAULT 1.5e3)');
    expect(s.kind === 'CreateTable' && s.columns.map((c) => c.defaultValue)).toEqual([
      { kind: 'literal', type: 'null' }, num('-5'), num('1.5e3'),
    ]);
  });

  it('reads list partitions with one or several columns, and numeric bounds as strings', () => {
    expect(ast(`CREATE TABLE t (city VARCHAR(10), n INT) DUPLICATE KEY (city)
      PARTITION BY LIST (city) (PARTITION pa VALUES IN ("a", 'b'), PARTITION pc VALUES IN ("c"))
      DISTRIBUTED BY RANDOM`)).toMatchObject({
      partition: {
        type: 'LIST', columns: ['city'],
        partitions: [{ name: 'pa', values: [['a'], ['b']] }, { name: 'pc', values: [['c']] }],
      },
      distribution: { type: 'RANDOM' },
    });
    expect(ast(`CREATE TABLE t (city VARCHAR(10), n INT)
      PARTITION BY LIST (city, n) (PARTITION p1 VALUES IN (("a", 1), ("b", -2)))
      DISTRIBUTED BY RANDOM BUCKETS 3`)).toMatchObject({
      partition: { type: 'LIST', columns: ['city', 'n'], partitions: [{ name: 'p1', values: [['a', '1'], ['b', '-2']] }] },
      distribution: { type: 'RANDOM', buckets: 3 },
    });
    expect(ast('CREATE TABLE t (n INT) PARTITION BY RANGE (n) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES [(10), (20)))'))
      .toMatchObject({
        partition: { partitions: [{ name: 'p0', lessThan: { values: ['10'] } }, { name: 'p1', fixed: { lower: ['10'], upper: ['20'] } }] },
      });
  });

  it('accepts a range partitioning with no partitions yet, and leaves absent clauses out', () => {
    expect(ast('CREATE TABLE t (d DATE) PARTITION BY RANGE (d) ()')).toEqual({
      kind: 'CreateTable', name: { name: 't' }, ifNotExists: false, columns: [{ name: 'd', type: type('DATE') }],
      partition: { type: 'RANGE', columns: ['d'], partitions: [] }, properties: {},
    });
  });
});

describe('INSERT', () => {
  it('reads VALUES rows of every literal kind', () => {
    expect(ast(`INSERT INTO d.t VALUES (1, -2, 3.5, 'x', "y", NULL, TRUE, false), (-0.5e-3, '', null, true, 0, 1, 2, 3)`)).toEqual({
      kind: 'Insert', table: { db: 'd', name: 't' }, overwrite: false,
      source: {
        type: 'values',
        rows: [
          [num('1'), num('-2'), num('3.5'), str('x'), str('y'), { kind: 'literal', type: 'null' },
            { kind: 'literal', type: 'boolean', value: true }, { kind: 'literal', type: 'boolean', value: false }],
          [num('-0.5e-3'), str(''), { kind: 'literal', type: 'null' }, { kind: 'literal', type: 'boolean', value: true },
            num('0'), num('1'), num('2'), num('3')],
        ],
      },
    });
  });

  it('reads OVERWRITE, target partitions and a column list', () => {
    expect(ast('INSERT OVERWRITE t PARTITION (p1, p2) (a, `b c`) VALUES (1, 2)')).toEqual({
      kind: 'Insert', table: { name: 't' }, overwrite: true, partitions: ['p1', 'p2'], columns: ['a', 'b c'],
      source: { type: 'values', rows: [[num('1'), num('2')]] },
    });
  });

  it('accepts a load label, and a single unparenthesized partition', () => {
    expect(ast('INSERT INTO t PARTITION p1 WITH LABEL l1 (a) VALUES (1)')).toEqual({
      kind: 'Insert', table: { name: 't' }, overwrite: false, partitions: ['p1'], columns: ['a'],
      source: { type: 'values', rows: [[num('1')]] },
    });
  });

  it('reads SELECT * FROM FILES(...)', () => {
    expect(ast(`INSERT INTO t (a, b) SELECT * FROM FILES("path" = "file:///tmp/x.csv", "format" = "csv", "csv.column_separator" = ",")`))
      .toEqual({
        kind: 'Insert', table: { name: 't' }, overwrite: false, columns: ['a', 'b'],
        source: { type: 'files', properties: { path: 'file:///tmp/x.csv', format: 'csv', 'csv.column_separator': ',' } },
      });
  });
});

describe('SELECT', () => {
  it('reads *, COUNT(*) and count(1)', () => {
    expect(ast('SELECT * FROM t')).toEqual({ kind: 'Select', projection: { type: 'star' }, from: { name: 't' } });
    expect(ast('SELECT COUNT(*) FROM d.t')).toEqual({ kind: 'Select', projection: { type: 'count' }, from: { db: 'd', name: 't' } });
    expect(ast('select count(1) as n from t')).toEqual({ kind: 'Select', projection: { type: 'count' }, from: { name: 't' } });
  });

  it('reads columns with aliases, partitions, WHERE and LIMIT', () => {
    expect(ast("SELECT a, b AS bb, `c` cc FROM t PARTITION (p1, 'p2') WHERE a >= 1 AND b <> 'x' LIMIT 10")).toEqual({
      kind: 'Select',
      projection: { type: 'columns', columns: [{ expr: col('a') }, { expr: col('b'), alias: 'bb' }, { expr: col('c'), alias: 'cc' }] },
      from: { name: 't' },
      partitions: ['p1', 'p2'],
      where: {
        kind: 'and',
        left: { kind: 'compare', op: '>=', left: col('a'), right: num('1') },
        right: { kind: 'compare', op: '!=', left: col('b'), right: str('x') },
      },
      limit: 10,
    });
    expect(ast('SELECT * FROM t PARTITION p3')).toMatchObject({ partitions: ['p3'] });
    expect(ast('SELECT COUNT(*) FROM t PARTITIONS (p1)')).toMatchObject({ partitions: ['p1'] });
  });
});

describe('views', () => {
  it('keeps the query after AS verbatim', () => {
    const sql = `CREATE OR REPLACE VIEW IF NOT EXISTS d.v (k COMMENT 'key', v) COMMENT 'a view' AS
      SELECT k, sum(v) AS v  -- total
      FROM t GROUP BY k`;
    expect(ast(sql)).toEqual({
      kind: 'CreateView', name: { db: 'd', name: 'v' }, ifNotExists: true, orReplace: true, columns: ['k', 'v'],
      comment: 'a view', query: 'SELECT k, sum(v) AS v  -- total\n      FROM t GROUP BY k',
    });
    expect(ast('CREATE VIEW v AS WITH x AS (SELECT 1) SELECT * FROM x')).toEqual({
      kind: 'CreateView', name: { name: 'v' }, ifNotExists: false, orReplace: false, query: 'WITH x AS (SELECT 1) SELECT * FROM x',
    });
  });

  it('drops views', () => {
    expect(ast('DROP VIEW v')).toEqual({ kind: 'DropView', name: { name: 'v' }, ifExists: false });
    expect(ast('DROP VIEW IF EXISTS d.v')).toEqual({ kind: 'DropView', name: { db: 'd', name: 'v' }, ifExists: true });
  });
});

describe('functions', () => {
  it('reads CREATE FUNCTION in all its forms', () => {
    expect(ast(`CREATE FUNCTION d.my_add(INT, INT) RETURNS BIGINT PROPERTIES ("symbol" = "Add", "type" = "StarrocksJar", "file" = "http://x/udf.jar")`))
      .toEqual({
        kind: 'CreateFunction', name: { db: 'd', name: 'my_add' }, ifNotExists: false, global: false, aggregate: false, table: false,
        argTypes: [type('INT'), type('INT')], variadic: false, returnType: type('BIGINT'),
        properties: { symbol: 'Add', type: 'StarrocksJar', file: 'http://x/udf.jar' },
      });
    expect(ast('CREATE GLOBAL AGGREGATE FUNCTION IF NOT EXISTS f(DECIMAL(10, 2), ...) RETURNS DOUBLE INTERMEDIATE VARCHAR(64)'))
      .toMatchObject({
        global: true, aggregate: true, table: false, ifNotExists: true, argTypes: [type('DECIMAL', 10, 2)], variadic: true,
        returnType: type('DOUBLE'), intermediateType: type('VARCHAR', 64), properties: {},
      });
    expect(ast('CREATE TABLE FUNCTION explode(STRING) RETURNS STRING')).toMatchObject({ kind: 'CreateFunction', table: true, aggregate: false });
    expect(ast('CREATE GLOBAL TABLE FUNCTION g() RETURNS INT')).toMatchObject({ global: true, table: true, argTypes: [] });
    expect(ast('CREATE FUNCTION v(...) RETURNS INT')).toMatchObject({ argTypes: [], variadic: true });
  });

  it('still reads a table called function', () => {
    expect(ast('CREATE TABLE function (a INT)')).toMatchObject({ kind: 'CreateTable', name: { name: 'function' } });
  });

  it('reads DROP FUNCTION and SHOW FUNCTIONS', () => {
    expect(ast('DROP FUNCTION IF EXISTS d.f(INT, VARCHAR(10), ...)')).toEqual({
      kind: 'DropFunction', name: { db: 'd', name: 'f' }, ifExists: true, argTypes: [type('INT'), type('VARCHAR', 10)], variadic: true,
    });
    expect(ast('SHOW FUNCTIONS')).toEqual({ kind: 'ShowFunctions', full: false, builtin: false, global: false });
    expect(ast('SHOW FULL BUILTIN FUNCTIONS IN d')).toEqual({ kind: 'ShowFunctions', db: 'd', full: true, builtin: true, global: false });
    expect(ast('SHOW GLOBAL FUNCTIONS FROM d')).toEqual({ kind: 'ShowFunctions', db: 'd', full: false, builtin: false, global: true });
  });
});

describe('materialized views', () => {
  it('reads an async MV with its clauses in any order', () => {
    const sql = `CREATE MATERIALIZED VIEW IF NOT EXISTS d.mv1 COMMENT "daily"
      DISTRIBUTED BY HASH (k) BUCKETS 2
      PARTITION BY dt
      REFRESH DEFERRED ASYNC START ('2024-01-01 00:00:00') EVERY (INTERVAL 1 DAY)
      PROPERTIES ("replication_num" = "1")
      AS SELECT k, dt, sum(v) FROM t GROUP BY k, dt`;
    expect(ast(sql)).toEqual({
      kind: 'CreateMaterializedView', name: { db: 'd', name: 'mv1' }, ifNotExists: true, comment: 'daily',
      distribution: { type: 'HASH', columns: ['k'], buckets: 2 }, partitionBy: ['dt'],
      refresh: { mode: 'ASYNC', text: "REFRESH DEFERRED ASYNC START ('2024-01-01 00:00:00') EVERY (INTERVAL 1 DAY)" },
      properties: { replication_num: '1' }, query: 'SELECT k, dt, sum(v) FROM t GROUP BY k, dt',
    });
  });

  it('reads the refresh modes and a synchronous MV', () => {
    const refresh = (clause: string) => {
      const s = parseStatement(`CREATE MATERIALIZED VIEW mv ${clause} AS SELECT * FROM t`);
      return s.kind === 'CreateMaterializedView' ? s.refresh : undefined;
    };
    expect(refresh('REFRESH ASYNC')).toEqual({ mode: 'ASYNC', text: 'REFRESH ASYNC' });
    expect(refresh('REFRESH ASYNC EVERY(INTERVAL 10 MINUTE)')).toEqual({ mode: 'ASYNC', text: 'REFRESH ASYNC EVERY(INTERVAL 10 MINUTE)' });
    expect(refresh('REFRESH IMMEDIATE MANUAL')).toEqual({ mode: 'MANUAL', text: 'REFRESH IMMEDIATE MANUAL' });
    expect(refresh('REFRESH MANUAL')).toEqual({ mode: 'MANUAL', text: 'REFRESH MANUAL' });
    expect(refresh('REFRESH DEFERRED')).toEqual({ mode: 'DEFERRED', text: 'REFRESH DEFERRED' });
    expect(refresh('REFRESH IMMEDIATE')).toEqual({ mode: 'IMMEDIATE', text: 'REFRESH IMMEDIATE' });
    expect(ast('CREATE MATERIALIZED VIEW mv AS SELECT k, count(*) FROM t GROUP BY k')).toEqual({
      kind: 'CreateMaterializedView', name: { name: 'mv' }, ifNotExists: false, properties: {},
      query: 'SELECT k, count(*) FROM t GROUP BY k',
    });
    expect(ast('CREATE MATERIALIZED VIEW mv PARTITION BY (a, b) ORDER BY (a) DISTRIBUTED BY RANDOM AS SELECT * FROM t'))
      .toMatchObject({ partitionBy: ['a', 'b'], distribution: { type: 'RANDOM' } });
  });

  it('reads DROP, REFRESH, ALTER and SHOW', () => {
    expect(ast('DROP MATERIALIZED VIEW IF EXISTS d.mv')).toEqual({ kind: 'DropMaterializedView', name: { db: 'd', name: 'mv' }, ifExists: true });
    expect(ast('REFRESH MATERIALIZED VIEW mv')).toEqual({ kind: 'RefreshMaterializedView', name: { name: 'mv' } });
    expect(ast('REFRESH MATERIALIZED VIEW d.mv WITH SYNC MODE')).toEqual({ kind: 'RefreshMaterializedView', name: { db: 'd', name: 'mv' } });
    expect(ast('ALTER MATERIALIZED VIEW mv ACTIVE')).toEqual({ kind: 'AlterMaterializedViewActive', name: { name: 'mv' }, active: true });
    expect(ast('alter materialized view d.mv inactive')).toEqual({ kind: 'AlterMaterializedViewActive', name: { db: 'd', name: 'mv' }, active: false });
    expect(ast('SHOW MATERIALIZED VIEWS')).toEqual({ kind: 'ShowMaterializedViews' });
    expect(ast("SHOW MATERIALIZED VIEWS FROM d LIKE 'mv%'")).toEqual({ kind: 'ShowMaterializedViews', db: 'd', like: 'mv%' });
    expect(ast("SHOW MATERIALIZED VIEWS IN d WHERE NAME = 'mv1'")).toEqual({
      kind: 'ShowMaterializedViews', db: 'd', where: { kind: 'compare', op: '=', left: col('NAME'), right: str('mv1') },
    });
  });
});

describe('catalogs', () => {
  it('reads CREATE, DROP and SHOW', () => {
    expect(ast(`CREATE EXTERNAL CATALOG IF NOT EXISTS iceberg COMMENT 'lake' PROPERTIES ("type" = "iceberg", "iceberg.catalog.type" = "hive")`))
      .toEqual({
        kind: 'CreateCatalog', name: 'iceberg', ifNotExists: true, comment: 'lake',
        properties: { type: 'iceberg', 'iceberg.catalog.type': 'hive' },
      });
    expect(ast('DROP CATALOG iceberg')).toEqual({ kind: 'DropCatalog', name: 'iceberg', ifExists: false });
    expect(ast('DROP CATALOG IF EXISTS "hive"')).toEqual({ kind: 'DropCatalog', name: 'hive', ifExists: true });
    expect(ast('SHOW CATALOGS')).toEqual({ kind: 'ShowCatalogs' });
  });
});
