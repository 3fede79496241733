import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * Issue 14 item 3: BACKUP/RESTORE wording and checks that follow StarRocks' analyzer and handler. Each rule
 * names its StarRocks source (fe/fe-core/src/main/java/com/starrocks/…, 3.x/4.x unless marked 4.2).
 */
const temp = useTempDirs('sr-wording');
let c: TestCluster;
let ts = '';
const HELP = "Where clause should looks like: SNAPSHOT = 'your_snapshot_name' [AND TIMESTAMP = '2018-04-18-19-19-10']";

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; USE d;
    CREATE TABLE t (k INT, dt DATE) DUPLICATE KEY (k) PARTITION BY RANGE (dt)
      (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01")) DISTRIBUTED BY HASH (k) BUCKETS 2;
    CREATE TABLE u (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1;
    INSERT INTO t VALUES (1, '2024-01-10'), (2, '2024-02-10'); INSERT INTO u VALUES (1);
    CREATE VIEW v1 AS SELECT k FROM u; CREATE VIEW v2 AS SELECT 2;
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
    BACKUP DATABASE d SNAPSHOT b1 TO r`);
  ts = await snapshotTimestamp(c, 'r', 'b1');
});
afterAll(async () => c?.close());

describe('a missing repository, in each statement\'s own words', () => {
  it('BACKUP and SHOW SNAPSHOT bracket the name, RESTORE does not, DROP REPOSITORY names none', async () => {
    // sql/analyzer/BackupRestoreAnalyzer.analyzeLabelAndRepo: "Repository [" + repoName + "] does not exist"
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO nope')).toBe('Repository [nope] does not exist');
    // sql/analyzer/ShowSnapshotAnalyzer: the same words, checked before the WHERE clause
    expect(await c.error("SHOW SNAPSHOT ON nope WHERE SNAPSHOT = ''")).toBe('Repository [nope] does not exist');
    // backup/BackupHandler.process (RESTORE's analyzer does not look at the repository): no brackets
    expect(await c.error(`RESTORE SNAPSHOT b1 FROM nope PROPERTIES ("backup_timestamp" = "${ts}")`)).toBe('Repository nope does not exist');
    // sql/analyzer/DropRepositoryAnalyzer and BackupHandler.dropRepository: "Repository does not exist"
    expect(await c.error('DROP REPOSITORY nope')).toBe('Repository does not exist');
  });

  it('BACKUP checks the database, then the repository, then the objects, then the properties', async () => {
    // BackupRestoreAnalyzer.visitBackupStatement: getDatabase → analyzeLabelAndRepo → analyzeTableRef → analyzeBackupProperties
    expect(await c.error('BACKUP DATABASE nodb SNAPSHOT x TO nope')).toBe("Unknown database 'nodb'");
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO nope ON (nosuch) PROPERTIES ("type" = "x")')).toBe('Repository [nope] does not exist');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO r ON (nosuch) PROPERTIES ("type" = "x")')).toBe("Unknown table 'nosuch'");
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO r ON (t) PROPERTIES ("foo" = "1", "type" = "x")')).toBe('Invalid backup job type: x');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO r ON (t) PROPERTIES ("foo" = "1", "type" = "full")')).toBe('Unknown backup job properties: [foo]');
  });
});

describe('FROM an unknown database', () => {
  it.each(['SHOW BACKUP FROM nodb', 'SHOW RESTORE FROM nodb', 'CANCEL BACKUP FROM nodb', 'CANCEL RESTORE FROM nodb'])('%s', async (stmt) => {
    // BackupRestoreAnalyzer.visitShowBackupStatement / visitShowRestoreStatement (getDatabase → ERR_BAD_DB_ERROR);
    // BackupHandler.cancel → getAbstractJobByDbName (ERR_BAD_DB_ERROR)
    expect(await c.error(stmt)).toBe("Unknown database 'nodb'");
  });
});

describe('SHOW SNAPSHOT … WHERE (sql/analyzer/ShowSnapshotAnalyzer)', () => {
  it.each([
    ["SNAPSHOT = ''", HELP], // an empty name fails analyzeSubExpr
    ["TIMESTAMP = 'x'", HELP], // "can not only set timestamp"
    [`SNAPSHOT = 'b1' AND TIMESTAMP = ''`, HELP],
    ["SNAPSHOT = 'b1' OR SNAPSHOT = 'b2'", HELP], // only AND compounds
    ["TIMESTAMP IN ('a')", 'Left expr of should be snapshot'],
    ["SNAPSHOT IN ('a', 1)", 'Child of in predicate should be string value'],
  ])('refuses %s', async (where, message) => {
    expect(await c.error(`SHOW SNAPSHOT ON r WHERE ${where}`)).toBe(message);
  });

  it('skips empty names in IN, and lets the later SNAPSHOT of an AND win', async () => {
    expect((await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT IN ('', 'b1')")).map((r) => r[0])).toEqual(['b1']);
    expect((await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'nope' AND SNAPSHOT = 'b1'")).map((r) => r[0])).toEqual(['b1']);
  });
});

describe('RESTORE properties, in the analyzer\'s order', () => {
  // BackupRestoreAnalyzer.visitRestoreStatement: each value as met, then "Missing backup_timestamp property",
  // then the unknown keys
  it.each([
    ['"foo" = "1", "timeout" = "x"', 'Invalid timeout format: x'],
    ['"foo" = "1", "replication_num" = "2.5"', 'Invalid meta version format: 2.5'],
    ['"foo" = "1", "allow_load" = "yes"', 'Invalid allow load value: yes'],
    ['"foo" = "1"', 'Missing backup_timestamp property'],
    ['"foo" = "1", "backup_timestamp" = "x"', 'Unknown restore job properties: [foo]'],
  ])('%s', async (props, message) => {
    expect(await c.error(`RESTORE SNAPSHOT b1 FROM r PROPERTIES (${props})`)).toBe(message);
  });
});

describe('ON (…) combinations StarRocks\' analyzer accepts (AnalyzeBackupRestoreTest.testBackup / testRestore)', () => {
  it('a named view with ALL VIEW in either order, and ALL TABLES with a named table', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT on1 TO r ON (VIEW v1, ALL VIEW)');
    await c.sql('BACKUP DATABASE d SNAPSHOT on2 TO r ON (ALL VIEWS, VIEW v1, t PARTITION (p1), ALL TABLES)');
    const row = (await c.rows('SHOW BACKUP FROM d'))[0]!;
    // BackupJob.getInfo: "[" + tableRef + "]" joined with ", "; t keeps the partition it was named with
    expect(row[4]).toBe('[t PARTITIONS (p1)], [u], [VIEW v1], [VIEW v2]');
  });

  it('restores a view named as a table (a view is a table to StarRocks), next to ALL TABLES', async () => {
    const stamp = await snapshotTimestamp(c, 'r', 'b1');
    await c.sql(`RESTORE SNAPSHOT b1 FROM r DATABASE d AS d2 ON (ALL TABLES, v1, t PARTITION (p2)) PROPERTIES ("backup_timestamp" = "${stamp}")`);
    expect(await c.rows('SELECT k FROM d2.v1')).toEqual([['1']]);
    // BackupJobInfo.getInfo: "tbl PARTITIONS [p1, p2]"
    expect((await c.rows('SHOW RESTORE FROM d2'))[0]![7]).toBe('t PARTITIONS [p2], u, VIEW v1');
  });

  it('lists every partition a whole-table restore brings back, and none for an unpartitioned table', async () => {
    const stamp = await snapshotTimestamp(c, 'r', 'b1');
    await c.sql(`RESTORE SNAPSHOT b1 FROM r DATABASE d AS d9 ON (t AS t9, u) PROPERTIES ("backup_timestamp" = "${stamp}")`);
    // BackupJobInfo.getInfo: every partition of the job's tables, except the one named as its table
    // (an unpartitioned table's); starbackup adds the alias, which StarRocks' listing leaves out.
    expect((await c.rows('SHOW RESTORE FROM d9'))[0]![7]).toBe('t PARTITIONS [p1, p2] AS t9, u');
  });
});

describe('job ids', () => {
  it('are numbers, as StarRocks\' (a long) are', async () => {
    // backup/AbstractJob: long jobId
    const id = (await c.rows('SHOW BACKUP FROM d'))[0]![0]!;
    expect(id).toMatch(/^\d{18}$/);
    expect(BigInt(id) < 2n ** 63n).toBe(true);
  });
});

describe('replication_num when a RESTORE overwrites a table', () => {
  it('must equal the local partitions\' replication num', async () => {
    // backup/RestoreJob.checkAndPrepareMeta: "Partition <p> in table <t> has different replication num '<local>'
    // with partition in repository, which is <restore replication_num>"
    const stamp = await snapshotTimestamp(c, 'r', 'b1');
    const into = (props: string) => `RESTORE SNAPSHOT b1 FROM r DATABASE d AS d3 ON (u) PROPERTIES ("backup_timestamp" = "${stamp}"${props})`;
    await c.sql('CREATE DATABASE d3; CREATE TABLE d3.u (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1 PROPERTIES ("replication_num" = "1")');
    expect(await c.error(into(''))).toContain("Partition u in table u has different replication num '1' with partition in repository, which is 3");
    await c.sql(into(', "replication_num" = "1"'));
    expect(await c.count('d3.u')).toBe(1);
  });
});

describe('ttl (StarRocks 4.2, backup/SnapshotTtl)', () => {
  it('takes calendar units, MONTH included, and shows the ttl as written', async () => {
    await c.sql('BACKUP DATABASE d SNAPSHOT monthly TO r ON (u) PROPERTIES ("ttl" = "1 month")');
    const row = (await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'monthly'"))[0]!;
    expect(row[5]).toBe('1 MONTH');
    expect(await c.error('BACKUP DATABASE d SNAPSHOT x TO r ON (u) PROPERTIES ("ttl" = "1 MONTH 2 HOUR")')).toBe(
      "Invalid ttl: '1 MONTH 2 HOUR'. Expected a duration such as '7 DAY' or '12 HOUR', or an empty value to keep the snapshot forever",
    );
  });
});
