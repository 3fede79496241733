import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { type UserSession, denied, userSession } from './privilege-helpers.ts';

/**
 * Every statement is checked before it runs, as a non-root session. Rules: fe-core sql/analyzer/
 * AuthorizerStmtVisitor (the visit… of each statement, cited per case), authorization/ColumnPrivilege
 * (SELECT by object kind), and qe/ShowExecutor for the SHOWs that filter instead of refusing.
 */
const temp = useTempDirs('statement-privileges');
let c: TestCluster;
let alice: UserSession;

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  await c.sql(`CREATE DATABASE d; CREATE DATABASE hidden; CREATE TABLE d.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 1;
    CREATE TABLE d.secret (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; INSERT INTO d.t VALUES (1, 'a');
    CREATE VIEW d.v AS SELECT k FROM d.t; CREATE USER alice`);
  alice = userSession(c, 'alice');
});
afterAll(async () => c?.close());

describe('databases and tables', () => {
  it('CREATE DATABASE needs CREATE DATABASE on the catalog (visitCreateDbStatement)', async () => {
    expect(await alice.error('CREATE DATABASE a1')).toBe(denied('CREATE DATABASE', 'CATALOG default_catalog'));
    await alice.grant('CREATE DATABASE ON CATALOG default_catalog');
    await alice.rows('CREATE DATABASE a1');
  });

  it('DROP DATABASE needs DROP on it (visitDropDbStatement)', async () => {
    expect(await alice.error('DROP DATABASE a1')).toBe(denied('DROP', 'DATABASE a1'));
    await alice.grant('DROP ON DATABASE a1');
    await alice.rows('DROP DATABASE a1');
  });

  it('USE needs any privilege on or in the database (visitUseDbStatement, checkAnyActionOnOrInDb)', async () => {
    expect(await alice.error('USE d')).toBe(denied('ANY', 'DATABASE d'));
    await alice.grant('SELECT ON TABLE d.t');
    await alice.rows('USE d');
  });

  it('SELECT needs SELECT on the table, or on the view alone (ColumnPrivilege.check, checkViewPrivilege)', async () => {
    expect(await alice.rows('SELECT k FROM d.t')).toEqual([['1']]);
    expect(await alice.error('SELECT * FROM d.secret')).toBe(denied('SELECT', 'TABLE secret'));
    await c.sql('CREATE VIEW d.v2 AS SELECT k FROM d.secret');
    expect(await alice.error('SELECT * FROM d.v2')).toBe(denied('SELECT', 'VIEW v2'));
    await alice.grant('SELECT ON VIEW d.v2');
    expect(await alice.rows('SELECT * FROM d.v2')).toEqual([]);
  });

  it('CREATE TABLE needs CREATE TABLE on the database (visitCreateTableStatement)', async () => {
    expect(await alice.error('CREATE TABLE d.t2 (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1')).toBe(denied('CREATE TABLE', 'DATABASE d'));
    await alice.grant('CREATE TABLE ON DATABASE d');
    await alice.rows('CREATE TABLE d.t2 (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1');
  });

  it('INSERT needs INSERT on the table, and FILES() SYSTEM FILE too (visitInsertStatement; CREATE FILE for files on the server)', async () => {
    expect(await alice.error('INSERT INTO d.t2 VALUES (1)')).toBe(denied('INSERT', 'TABLE t2'));
    await alice.grant('INSERT ON TABLE d.t2');
    await alice.rows('INSERT INTO d.t2 VALUES (1)');
    const files = `INSERT INTO d.t2 SELECT * FROM FILES("path" = "file:///nowhere/x.csv", "format" = "csv")`;
    expect(await alice.error(files)).toBe(denied('FILE', 'SYSTEM'));
    await alice.grant('FILE ON SYSTEM');
    expect(await alice.error(files)).not.toContain('Access denied');
  });

  it('DROP TABLE needs DROP on it (visitDropTableStatement)', async () => {
    expect(await alice.error('DROP TABLE d.t2')).toBe(denied('DROP', 'TABLE t2'));
    await alice.grant('DROP ON TABLE d.t2');
    await alice.rows('DROP TABLE d.t2');
  });

  it('SHOW PARTITIONS and SHOW CREATE TABLE need any privilege on the table (visitShowPartitionsStatement, visitShowCreateTableStatement)', async () => {
    expect(await alice.error('SHOW PARTITIONS FROM d.secret')).toBe(denied('ANY', 'TABLE secret'));
    expect(await alice.error('SHOW CREATE TABLE d.secret')).toBe(denied('ANY', 'TABLE secret'));
    await alice.rows('SHOW PARTITIONS FROM d.t');
    await alice.rows('SHOW CREATE TABLE d.t');
  });

  it('SHOW DATABASES and SHOW TABLES list only what the user holds something on (ShowExecutor)', async () => {
    expect(await alice.rows('SHOW DATABASES')).toEqual([['d']]);
    expect(await alice.rows('SHOW TABLES FROM d')).toEqual([['t'], ['v2']]);
    expect((await c.rows('SHOW TABLES FROM d')).length).toBe(4);
  });
});

describe('views, functions, catalogs', () => {
  it('CREATE VIEW needs CREATE VIEW on the database and SELECT on what it reads (visitCreateViewStatement)', async () => {
    expect(await alice.error('CREATE VIEW d.v3 AS SELECT k FROM d.t')).toBe(denied('CREATE VIEW', 'DATABASE d'));
    await alice.grant('CREATE VIEW ON DATABASE d');
    expect(await alice.error('CREATE VIEW d.v3 AS SELECT k FROM d.secret')).toBe(denied('SELECT', 'TABLE secret'));
    await alice.rows('CREATE VIEW d.v3 AS SELECT k FROM d.t');
  });

  it('DROP VIEW needs DROP on the view (visitDropTableStatement, isView)', async () => {
    expect(await alice.error('DROP VIEW d.v3')).toBe(denied('DROP', 'VIEW v3'));
    await alice.grant('DROP ON VIEW d.v3');
    await alice.rows('DROP VIEW d.v3');
  });

  it('CREATE/DROP FUNCTION and SHOW FUNCTIONS (visitCreateFunctionStatement, visitDropFunctionStatement, ShowExecutor)', async () => {
    const create = (n: string) => `CREATE FUNCTION d.${n}(INT) RETURNS INT PROPERTIES ("symbol" = "S", "type" = "StarrocksJar", "file" = "http://h/f.jar")`;
    await c.sql(create('hidden_fn'));
    expect(await alice.error(create('f'))).toBe(denied('CREATE FUNCTION', 'DATABASE d'));
    await alice.grant('CREATE FUNCTION ON DATABASE d');
    await alice.rows(create('f'));
    expect(await alice.error('DROP FUNCTION d.f(INT)')).toBe(denied('DROP', 'FUNCTION f(INT)'));
    await alice.grant('USAGE ON FUNCTION d.f(INT)');
    expect(await alice.rows('SHOW FUNCTIONS FROM d')).toEqual([['f(INT)']]);
    await alice.grant('DROP ON FUNCTION d.f(INT)');
    await alice.rows('DROP FUNCTION d.f(INT)');
  });

  it('CREATE/DROP CATALOG and SHOW CATALOGS (visitCreateCatalogStatement, visitDropCatalogStatement, handleShowCatalogs)', async () => {
    await c.sql("CREATE EXTERNAL CATALOG other PROPERTIES ('type' = 'hive')");
    expect(await alice.error("CREATE EXTERNAL CATALOG c1 PROPERTIES ('type' = 'hive')")).toBe(denied('CREATE EXTERNAL CATALOG', 'SYSTEM'));
    await alice.grant('CREATE EXTERNAL CATALOG ON SYSTEM');
    await alice.rows("CREATE EXTERNAL CATALOG c1 PROPERTIES ('type' = 'hive')");
    expect((await alice.rows('SHOW CATALOGS')).map((r) => r[0])).toEqual(['default_catalog']);
    expect(await alice.error('DROP CATALOG c1')).toBe(denied('DROP', 'CATALOG c1'));
    await alice.grant('DROP ON CATALOG c1');
    expect((await alice.rows('SHOW CATALOGS')).map((r) => r[0])).toEqual(['default_catalog', 'c1']);
    await alice.rows('DROP CATALOG c1');
  });
});

describe('materialized views', () => {
  it('CREATE needs CREATE MATERIALIZED VIEW and SELECT on the base table (visitCreateMaterializedViewStatement)', async () => {
    const create = (n: string, from: string) => `CREATE MATERIALIZED VIEW d.${n} REFRESH MANUAL AS SELECT k FROM d.${from}`;
    expect(await alice.error(create('mv', 't'))).toBe(denied('CREATE MATERIALIZED VIEW', 'DATABASE d'));
    await alice.grant('CREATE MATERIALIZED VIEW ON DATABASE d');
    expect(await alice.error(create('mv', 'secret'))).toBe(denied('SELECT', 'TABLE secret'));
    await alice.rows(create('mv', 't'));
    await c.sql(create('mv_hidden', 't'));
  });

  it('REFRESH, ALTER and DROP need their privilege on the MV, SHOW lists what the user holds (visit…MaterializedView…)', async () => {
    expect(await alice.error('REFRESH MATERIALIZED VIEW d.mv')).toBe(denied('REFRESH', 'MATERIALIZED VIEW mv'));
    await alice.grant('REFRESH ON MATERIALIZED VIEW d.mv');
    await alice.rows('REFRESH MATERIALIZED VIEW d.mv');
    expect(await alice.error('ALTER MATERIALIZED VIEW d.mv INACTIVE')).toBe(denied('ALTER', 'MATERIALIZED VIEW mv'));
    await alice.grant('ALTER ON MATERIALIZED VIEW d.mv');
    await alice.rows('ALTER MATERIALIZED VIEW d.mv ACTIVE');
    const names = async () => {
      const rs = (await alice.run('SHOW MATERIALIZED VIEWS FROM d')).at(-1)!.result!;
      return rs.rows.map((r) => r[rs.columns.indexOf('name')]);
    };
    expect(await names()).toEqual(['mv']);
    expect(await alice.error('DROP MATERIALIZED VIEW d.mv')).toBe(denied('DROP', 'MATERIALIZED VIEW mv'));
    await alice.grant('DROP ON MATERIALIZED VIEW d.mv');
    await alice.rows('DROP MATERIALIZED VIEW d.mv');
  });
});

describe('accounts and variables', () => {
  it('CREATE/DROP USER and SHOW USERS need GRANT on SYSTEM; root is changed by root only (visitCreateUserStatement…)', async () => {
    expect(await alice.error('CREATE USER bob')).toBe(denied('GRANT', 'SYSTEM'));
    expect(await alice.error('SHOW USERS')).toBe(denied('GRANT', 'SYSTEM'));
    expect(await alice.error("ALTER USER root IDENTIFIED BY 'x'")).toBe('Getting analyzing error. Detail message: Can not modify root user, except root itself.');
    expect(await alice.error("SET PASSWORD FOR root = PASSWORD('x')")).toBe('Getting analyzing error. Detail message: Can not set password for root user, except root itself.');
    await alice.rows("SET PASSWORD = PASSWORD('mine'); ALTER USER alice IDENTIFIED BY 'mine2'");
    // GRANT on SYSTEM is given through user_admin only (it cannot be granted directly).
    await c.sql("GRANT user_admin TO USER 'alice'@'%'");
    await alice.rows('SET ROLE user_admin');
    await alice.rows('CREATE USER bob; SHOW USERS; DROP USER bob');
  });

  it('SET GLOBAL needs OPERATE on SYSTEM, a session variable nothing (visitSetStatement)', async () => {
    await alice.rows('SET query_timeout = 10');
    expect(await alice.error('SET GLOBAL query_timeout = 10')).toBe(denied('OPERATE', 'SYSTEM', '[user_admin]'));
  });

  it('lets the embedded CLI, the home owner, run everything', async () => {
    await c.sql('SHOW USERS; DROP TABLE d.secret');
  });
});
