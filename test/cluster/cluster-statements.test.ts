import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('cluster');
let c: TestCluster;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  await c.sql('CREATE DATABASE d; USE d');
});
afterAll(async () => c?.close());

describe('databases and tables', () => {
  it('creates, lists and drops databases and tables', async () => {
    await c.sql('CREATE DATABASE IF NOT EXISTS d; CREATE DATABASE tmp; CREATE TABLE tmp.t (a INT)');
    expect((await c.rows('SHOW DATABASES')).flat()).toEqual(expect.arrayContaining(['d', 'tmp']));
    expect(await c.rows('SHOW TABLES FROM tmp')).toEqual([['t']]);
    const [show] = await c.sql('SHOW TABLES FROM tmp');
    expect(show!.columns).toEqual(['Tables_in_tmp']);
    await c.sql('DROP TABLE tmp.t; DROP TABLE IF EXISTS tmp.t; DROP DATABASE tmp; DROP DATABASE IF EXISTS tmp');
    expect((await c.rows('SHOW DATABASES')).flat()).not.toContain('tmp');
  });

  it('gives StarRocks-like errors that name the object', async () => {
    expect(await c.error('CREATE DATABASE d')).toBe("Can't create database 'd'; database exists");
    expect(await c.error('DROP DATABASE nope')).toBe("Can't drop database 'nope'; database doesn't exist");
    expect(await c.error('USE nope')).toBe("Unknown database 'nope'");
    expect(await c.error('CREATE TABLE nope.t (a INT)')).toBe("Unknown database 'nope'");
    expect(await c.error('DROP TABLE d.nope')).toBe("Unknown table 'd.nope'");
    expect(await c.error('SELECT COUNT(*) FROM d.nope')).toBe("Unknown table 'd.nope'");
    await c.sql('CREATE TABLE dup (a INT)');
    expect(await c.error('CREATE TABLE dup (a INT)')).toBe("Table 'dup' already exists");
    await c.sql('CREATE TABLE IF NOT EXISTS dup (a INT)');
    expect(await c.error('CREATE TABLE bad (a INT, A INT)')).toBe("Duplicate column name 'A'");
    expect(await c.error('CREATE TABLE bad (a INT) DISTRIBUTED BY HASH (b) BUCKETS 2')).toBe("Distribution column 'b' does not exist in the table");
    expect(await c.error('CREATE TABLE bad (a INT) PARTITION BY RANGE (a) (PARTITION p1 VALUES LESS THAN ("x"))')).toBe(
      "Invalid partition value 'x' of partition p1: it is not an integer",
    );
    expect(await c.error('CREATE TABLE bad (a INT) PARTITION BY RANGE (a) (PARTITION p1 VALUES LESS THAN ("10"), PARTITION p2 VALUES LESS THAN ("5"))')).toBe(
      'Invalid range of partition p2: the upper bound must be greater than the lower bound',
    );
    expect(await c.error('CREATE TABLE `a/b` (a INT)')).toBe("Incorrect table name 'a/b': it must not contain '/', '\\', '#', '..' or control characters");
    expect(await c.error('CREATE TABLE pk (a INT NULL, b INT) PRIMARY KEY (a)')).toBe('primary key column[a] cannot be nullable');
    expect(await c.error('USE d; SELECT COUNT(*) FROM dup PARTITION (p9)')).toBe("Unknown partition 'p9' in table 'dup'");
  });
});

describe('SHOW CREATE TABLE', () => {
  it('prints a statement that creates the same table', async () => {
    await c.sql(`CREATE TABLE orders (
        id BIGINT NOT NULL COMMENT 'order id', city VARCHAR(20) NOT NULL, amount DECIMAL(12, 2) DEFAULT "0",
        paid BOOLEAN, at DATETIME, tags JSON, big LARGEINT, f FLOAT, g DOUBLE, s STRING, ch CHAR(3), t TINYINT, sm SMALLINT)
      UNIQUE KEY (id, city)
      PARTITION BY LIST (city) (PARTITION pla VALUES IN ("Los Angeles", "San Francisco"), PARTITION pny VALUES IN ("New York"))
      DISTRIBUTED BY HASH (id) BUCKETS 4
      PROPERTIES ("replication_num" = "1")`);
    const ddl = (await c.rows('SHOW CREATE TABLE orders'))[0]![1]!;
    expect(ddl).toContain('UNIQUE KEY(`id`, `city`)');
    expect(ddl).toContain('`amount` decimal(12, 2) NULL DEFAULT "0.00"');
    expect(ddl).toContain('PARTITION `pla` VALUES IN ("Los Angeles", "San Francisco")');
    await c.sql(`CREATE DATABASE copy; USE copy; ${ddl}; USE d`);
    expect((await c.rows('SHOW CREATE TABLE copy.orders'))[0]![1]).toBe(ddl);
  });

  it('keeps range partitions, MAXVALUE and fixed ranges', async () => {
    await c.sql(`CREATE TABLE r (k INT, dt DATE) DUPLICATE KEY (k)
      PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-01-01"), PARTITION p2 VALUES [("2024-02-01"), ("2024-03-01")),
        PARTITION pmax VALUES LESS THAN MAXVALUE)`);
    const ddl = (await c.rows('SHOW CREATE TABLE r'))[0]![1]!;
    expect(ddl).toContain('PARTITION `p1` VALUES LESS THAN ("2024-01-01")');
    expect(ddl).toContain('PARTITION `p2` VALUES [("2024-02-01"), ("2024-03-01"))');
    expect(ddl).toContain('PARTITION `pmax` VALUES LESS THAN MAXVALUE');
    await c.sql(`USE copy; ${ddl}; USE d`);
    expect((await c.rows('SHOW CREATE TABLE copy.r'))[0]![1]).toBe(ddl);
  });
});

describe('loading and reading', () => {
  it('routes rows to partitions and buckets, and counts per partition', async () => {
    await c.sql(`INSERT INTO orders (id, city, amount) VALUES (1, 'New York', 10), (2, 'Los Angeles', 2.5), (3, 'San Francisco', NULL)`);
    expect(await c.count('orders')).toBe(3);
    expect((await c.rows('SELECT COUNT(*) FROM orders PARTITION (pla)'))[0]![0]).toBe('2');
    const parts = await c.rows('SHOW PARTITIONS FROM orders');
    expect(parts.map((p) => [p[1], p[9]])).toEqual([['pla', '2'], ['pny', '1']]);
    expect((await c.sql('SHOW PARTITIONS FROM orders'))[0]!.columns.slice(0, 3)).toEqual(['PartitionId', 'PartitionName', 'VisibleVersion']);
    const rows = await c.rows('SELECT * FROM orders');
    expect(rows).toContainEqual(['2', 'Los Angeles', '2.50', null, null, null, null, null, null, null, null, null, null]);
    expect(await c.error("INSERT INTO orders VALUES (4, 'Boston', 1, true, null, null, null, null, null, null, null, null, null)")).toBe(
      "Row 1 (city=Boston) is out of partition ranges of table 'orders'. Please add a new partition.",
    );
  });

  it('applies defaults and refuses NULL in NOT NULL columns', async () => {
    await c.sql("INSERT INTO orders (city, id) VALUES ('New York', 9)");
    expect(await c.rows('SELECT * FROM orders PARTITION (pny) LIMIT 10')).toContainEqual(['9', 'New York', '0.00', null, null, null, null, null, null, null, null, null, null]);
    expect(await c.error("INSERT INTO orders (id, city) VALUES (NULL, 'New York')")).toBe("Row 1: column 'id' is NULL, but it is NOT NULL");
    expect(await c.error('INSERT INTO orders (amount) VALUES (1)')).toBe("Row 1: column 'id' has no value and no default, but it is NOT NULL");
    expect(await c.error('INSERT INTO orders (id, nope) VALUES (1, 2)')).toBe("Unknown column 'nope' in table 'orders'");
    expect(await c.error('INSERT INTO orders (id, city) VALUES (1)')).toBe("Row 1: 1 values for 2 columns of table 'orders'");
    expect(await c.error("INSERT INTO orders PARTITION (pla) (id, city) VALUES (1, 'New York')")).toBe(
      "Row 1 belongs to partition 'pny', which is not in the PARTITION list of the INSERT",
    );
  });

  it('loads CSV through FILES() with StarRocks options', async () => {
    const file = join(dir, 'r.csv');
    writeFileSync(file, 'k,dt\n1,2023-12-31\n2,"2024-02-15"\n3,\\N\n4,2030-01-01\n');
    await c.sql(`INSERT INTO r SELECT * FROM FILES("path" = "file://${file}", "format" = "csv", "csv.column_separator" = ",", "csv.skip_header" = "1", "csv.enclose" = '"')`);
    expect(await c.count('r')).toBe(4);
    expect((await c.rows('SELECT COUNT(*) FROM r PARTITION (p1)'))[0]![0]).toBe('2'); // NULL goes to the lowest range
    expect(await c.error(`INSERT INTO r SELECT * FROM FILES("path" = "file://${file}", "format" = "parquet")`)).toBe(
      `FILES() format 'parquet' is not supported; use "format" = "csv"`,
    );
    expect(await c.error(`INSERT INTO r SELECT * FROM FILES("path" = "file://${dir}/missing.csv", "format" = "csv")`)).toMatch(/missing\.csv/);
  });

  it('reads at most LIMIT rows', async () => {
    expect((await c.rows('SELECT * FROM r LIMIT 2')).length).toBe(2);
    expect((await c.rows('SELECT * FROM r LIMIT 0')).length).toBe(0);
  });
});
