import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('objects');
let c: TestCluster;
const restore = async (label: string, rest: string) =>
  `RESTORE SNAPSHOT ${label} FROM repo ${rest} PROPERTIES ("backup_timestamp" = "${await snapshotTimestamp(c, 'repo', label)}")`;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; USE d;
    CREATE TABLE base (k INT, v VARCHAR(8)) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO base VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE MATERIALIZED VIEW mv REFRESH MANUAL AS SELECT k AS key1 FROM base WHERE k >= 2;
    CREATE VIEW v AS SELECT v FROM base;
    CREATE FUNCTION f(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
    CREATE FUNCTION f(BIGINT) RETURNS BIGINT PROPERTIES ("symbol" = "a.G", "type" = "StarrocksJar", "file" = "http://h/f.jar");
    CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:9083", "aws.s3.access_key" = "AKIAEXAMPLE", "aws.s3.secret_key" = "sekrit-value");
    CREATE REPOSITORY repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
});
afterAll(async () => c?.close());

describe('materialized views', () => {
  it('are filled by REFRESH from single-table queries and listed with their state', async () => {
    expect(await c.rows('SELECT * FROM mv')).toEqual(expect.arrayContaining([['2'], ['3']]));
    await c.sql("INSERT INTO base VALUES (4, 'd'); REFRESH MATERIALIZED VIEW mv");
    expect(await c.count('mv')).toBe(3);
    const [row] = await c.rows("SHOW MATERIALIZED VIEWS FROM d WHERE name = 'mv'");
    expect([row![2], row![3], row![4], row![8]]).toEqual(['mv', 'MANUAL', 'true', '3']);
    expect(await c.error('INSERT INTO mv VALUES (9)')).toBe('Can not insert into materialized view mv; it is filled by REFRESH MATERIALIZED VIEW');
    expect(await c.error('DROP TABLE mv')).toBe('mv is a materialized view; use DROP MATERIALIZED VIEW');
    expect(await c.error('CREATE MATERIALIZED VIEW bad REFRESH ASYNC AS SELECT COUNT(*) FROM base')).toBe('Materialized view bad: aggregates are not supported in its query');
    expect(await c.error('CREATE MATERIALIZED VIEW bad REFRESH ASYNC AS SELECT nope FROM base')).toBe("Unknown column 'nope' in table 'base'");
    expect(await c.error('CREATE MATERIALIZED VIEW bad REFRESH ASYNC AS SELECT k FROM nobase')).toBe("Unknown table 'd.nobase'");
  });

  it('restore inactive when their base table is missing, and ALTER … ACTIVE works once it is back', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT mv_only TO repo ON (MATERIALIZED VIEW mv)');
    await c.sql(await restore('mv_only', 'DATABASE d AS d2'));
    const [row] = await c.rows('SHOW MATERIALIZED VIEWS FROM d2');
    expect([row![2], row![4], row![5]]).toEqual(['mv', 'false', 'base table d2.base does not exist']);
    expect(await c.count('d2.mv')).toBe(3); // its data came with it
    expect(await c.error('REFRESH MATERIALIZED VIEW d2.mv')).toBe('Materialized view mv is not active, because: base table d2.base does not exist. Use ALTER MATERIALIZED VIEW mv ACTIVE first');
    expect(await c.error('ALTER MATERIALIZED VIEW d2.mv ACTIVE')).toBe('Can not activate materialized view mv: base table d2.base does not exist');
    await c.sql('BACKUP DATABASE d SNAPSHOT base_only TO repo ON (TABLE base)');
    await c.sql(await restore('base_only', 'DATABASE d AS d2'));
    await c.sql('ALTER MATERIALIZED VIEW d2.mv ACTIVE');
    expect((await c.rows('SHOW MATERIALIZED VIEWS FROM d2'))[0]![4]).toBe('true');
  });
});

describe('synchronous materialized views', () => {
  it('are indexes of their base table, filled by loads, and travel with it through BACKUP and RESTORE', async () => {
    await c.sql(`CREATE TABLE orders (id INT, city VARCHAR(16), amount INT) DISTRIBUTED BY HASH (id) BUCKETS 2;
      INSERT INTO orders VALUES (1, 'x', 10), (2, 'y', 20);
      CREATE MATERIALIZED VIEW orders_by_city AS SELECT city, amount FROM orders;
      INSERT INTO orders VALUES (3, 'x', 30)`);
    const listed = async (db: string) => (await c.rows(`SHOW MATERIALIZED VIEWS FROM ${db} WHERE name = 'orders_by_city'`)).map((r) => [r[2], r[3], r[8]]);
    expect(await listed('d')).toEqual([['orders_by_city', 'ROLLUP', '3']]);
    await c.sql('BACKUP DATABASE d SNAPSHOT with_index TO repo ON (TABLE orders)');
    await c.sql(await restore('with_index', 'DATABASE d AS d4'));
    expect(await listed('d4')).toEqual([['orders_by_city', 'ROLLUP', '3']]);
    expect(await c.count('d4.orders')).toBe(3);
    await c.sql('CREATE DATABASE d5; CREATE TABLE d5.orders (id INT, city VARCHAR(16), amount INT) DISTRIBUTED BY HASH (id) BUCKETS 2');
    expect(await c.error(await restore('with_index', 'DATABASE d AS d5'))).toContain('Table orders already exist but with different schema, errMsg: indexName is inconsistent');
    await c.sql('DROP MATERIALIZED VIEW d4.orders_by_city');
    expect(await listed('d4')).toEqual([]);
    expect(await c.error('CREATE MATERIALIZED VIEW orders_by_city AS SELECT city FROM orders')).toBe("Table 'orders_by_city' already exists");
    expect(await c.error('CREATE MATERIALIZED VIEW x AS SELECT city FROM orders WHERE amount > 1')).toBe(
      'Synchronous materialized view x: WHERE is not supported; use REFRESH ASYNC for a filtered view',
    );
  });
});

describe('views, functions and catalogs', () => {
  it('restore a view over an existing view, and refuse to replace a table with a view', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT views TO repo ON (ALL VIEWS)');
    await c.sql('DROP VIEW v; CREATE VIEW v AS SELECT k FROM base');
    await c.sql(await restore('views', 'DATABASE d ON (VIEW v)'));
    expect((await c.rows('SHOW CREATE TABLE v'))[0]![1]).toBe('CREATE VIEW `v` AS SELECT v FROM base;');
    await c.sql('CREATE TABLE d3_table_named_v (k INT)');
    await c.sql(await restore('views', 'DATABASE d ON (VIEW v AS d3_table_named_v)').catch(() => '')).catch(() => undefined);
    const [job] = await c.rows('SHOW RESTORE FROM d');
    expect(job![16]).toBe('[BAD_REPLACE, msg: Table: d3_table_named_v has existed and it is not a View]');
  });

  it('restore every overload of a function, renamed with AS', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT fns TO repo ON (FUNCTION f)');
    await c.sql(await restore('fns', 'DATABASE d ON (FUNCTION f AS g)'));
    expect((await c.rows('SHOW FUNCTIONS FROM d')).flat()).toEqual(expect.arrayContaining(['f(BIGINT)', 'f(INT)', 'g(BIGINT)', 'g(INT)']));
    expect(await c.error(await restore('fns', 'DATABASE d ON (FUNCTION nope)'))).toBe('Can not find restore function: nope');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO repo ON (FUNCTION nope)')).toBe('Invalid backup function(s), function name: nope');
  });

  it('back up and restore external catalogs without showing or storing their secrets in clear', async () => {
    await c.sql('BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO repo');
    await c.sql(await restore('cats', 'EXTERNAL CATALOG (cat AS cat2)'));
    expect((await c.rows('SHOW CATALOGS')).map((r) => r[0])).toEqual(['default_catalog', 'cat', 'cat2']);
    const record = JSON.stringify(await c.ctx.catalog.getCatalog('cat2'));
    expect(record).not.toContain('sekrit-value');
    expect(record).not.toContain('AKIAEXAMPLE');
    expect(await c.ctx.sealer.unseal(JSON.parse(record).sealedSecrets, 'catalog:cat2')).toEqual({ 'aws.s3.access_key': 'AKIAEXAMPLE', 'aws.s3.secret_key': 'sekrit-value' });
    expect(await c.error('BACKUP EXTERNAL CATALOG (nope) SNAPSHOT c2 TO repo')).toBe('external catalog nope does not existed.');
    expect(await c.error(await restore('cats', 'DATABASE d'))).toBe('Can not specify database for external catalog snapshot');
    expect(await c.error(await restore('cats', 'EXTERNAL CATALOG (cat AS default_catalog)'))).toBe('Do not support set alias as default catalog for external catalog restore');
    expect(await c.error(await restore('cats', 'EXTERNAL CATALOG (other)'))).toBe('Can not find restore catalog: other');
    expect(await c.error(await restore('views', 'EXTERNAL CATALOG (cat)'))).toBe('This is not a snapshot for external catalog restore, snapshot: views');
    expect(await c.error(await restore('cats', 'EXTERNAL CATALOG (cat)'))).toBe(
      "RESTORE job 'cats' ended CANCELLED: [COMMON_ERROR, msg: Failed to restore external catalog, errmsg: Can't create catalog 'cat'; catalog exists]",
    );
  });

  it('name objects missing from a snapshot with StarRocks messages', async () => {
    expect(await c.error(await restore('views', 'DATABASE d ON (VIEW nope)'))).toBe('View nope does not exist in snapshot views');
    expect(await c.error(await restore('views', 'DATABASE d ON (MATERIALIZED VIEW mv)'))).toBe('Materialized view mv does not exist in snapshot views');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO repo ON (TABLE base AS b2)')).toBe('Can not set alias for table in Backup Stmt: base AS b2');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO repo ON (TABLE base, TABLE base)')).toBe('Duplicated table: base');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO repo ON (VIEW nope)')).toBe("Unknown view 'nope'");
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO repo ON (MATERIALIZED VIEW base)')).toBe("Unknown materialized view 'base'");
    expect(await c.error(await restore('base_only', 'DATABASE d ON (TABLE base AS x, TABLE base AS y)'))).toBe('Duplicated table: base');
  });
});
