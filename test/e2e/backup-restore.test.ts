import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

const temp = useTempDirs('e2e');
let c: TestCluster;
let repoDir: string;

const MEMBER = `CREATE TABLE sr_member (id INT NOT NULL, name VARCHAR(32), dt DATE NOT NULL)
  DUPLICATE KEY (id)
  PARTITION BY RANGE (dt) (
    PARTITION p1 VALUES LESS THAN ("2024-02-01"),
    PARTITION p2 VALUES LESS THAN ("2024-03-01"))
  DISTRIBUTED BY HASH (id) BUCKETS 2`;

beforeAll(async () => {
  const dir = await temp.make();
  repoDir = join(dir, 'repo');
  c = await openTestCluster(dir);
  mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE sr_hub; USE sr_hub; ${MEMBER};
    CREATE TABLE sr_pmc (k BIGINT, v DECIMAL(10, 2), ok BOOLEAN) DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO sr_member VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-01-15'), (3, 'c', '2024-02-02');
    INSERT INTO sr_member VALUES (4, 'd', '2024-02-20');
    INSERT INTO sr_pmc VALUES (1, 1.5, true), (2, -2.25, false);
    CREATE REPOSITORY test_repo WITH BROKER ON LOCATION "file://${repoDir}"`);
});
afterAll(async () => c?.close());

describe('BACKUP and RESTORE of a database', () => {
  let ts: string;
  it('backs up the whole database and lists the snapshot', async () => {
    await c.sql('BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo');
    ts = await snapshotTimestamp(c, 'test_repo', 'sr_hub_backup');
    expect(ts).toMatch(/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}$/);
    const [row] = await c.rows('SHOW BACKUP FROM sr_hub');
    expect(row!.slice(1, 5)).toEqual(['sr_hub_backup', 'sr_hub', 'FINISHED', '[sr_member], [sr_pmc]']);
    expect(row![12]).toBe('[OK]');
  });

  it('does not include rows loaded after the snapshot, and restores into a new database with AS', async () => {
    await c.sql("INSERT INTO sr_member VALUES (5, 'e', '2024-01-30')");
    await c.sql(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub AS sr_hub_new PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('sr_hub_new.sr_member')).toBe(4);
    expect(await c.count('sr_hub_new.sr_pmc')).toBe(2);
    expect(await c.count('sr_hub.sr_member')).toBe(5);
    expect(await c.rows('SELECT * FROM sr_hub_new.sr_pmc')).toEqual(expect.arrayContaining([['1', '1.50', '1'], ['2', '-2.25', '0']]));
    const [row] = await c.rows('SHOW RESTORE FROM sr_hub_new');
    expect(row!.slice(1, 5)).toEqual(['sr_hub_backup', ts, 'sr_hub_new', 'FINISHED']);
  });

  it('restores the same partitions and schema (SHOW CREATE TABLE is identical)', async () => {
    const a = (await c.rows('SHOW CREATE TABLE sr_hub.sr_member'))[0]![1];
    const b = (await c.rows('SHOW CREATE TABLE sr_hub_new.sr_member'))[0]![1];
    expect(b).toBe(a);
    expect((await c.rows('SELECT COUNT(*) FROM sr_hub_new.sr_member PARTITION (p2)'))[0]![0]).toBe('2');
  });

  it('restores byte-identical segments (sha256 of every file)', async () => {
    const data = join(c.home, 'data');
    const hashes = async (db: string, table: string) => {
      const rec = (await c.ctx.catalog.requireTable(db, table)).doc;
      const out: string[] = [];
      for (const key of await listAll(c.ctx.data, `data/${rec.def.id}/`)) {
        out.push(createHash('sha256').update(readFileSync(join(data, key))).digest('hex'));
      }
      return out.sort();
    };
    const restored = await hashes('sr_hub_new', 'sr_pmc');
    expect(restored.length).toBeGreaterThan(0);
    expect(restored).toEqual(await hashes('sr_hub', 'sr_pmc'));
  });

  it('restores over an existing table with the same schema, replacing its data', async () => {
    await c.sql(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub ON (TABLE sr_member) PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('sr_hub.sr_member')).toBe(4);
    expect(await c.rows('SELECT * FROM sr_hub.sr_member')).not.toContainEqual(['5', 'e', '2024-01-30']);
  });

  it('refuses to overwrite a table whose schema differs, leaving it untouched', async () => {
    await c.sql(`CREATE DATABASE other; CREATE TABLE other.sr_member (id INT NOT NULL, name VARCHAR(99), dt DATE NOT NULL)
      DUPLICATE KEY (id) PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
      DISTRIBUTED BY HASH (id) BUCKETS 2; INSERT INTO other.sr_member VALUES (9, 'z', '2024-01-09')`);
    const msg = await c.error(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub AS other ON (TABLE sr_member) PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(msg).toContain('Table sr_member already exist but with different schema, column: `name` varchar(99) NULL in existed table is different from the column in backup snapshot, column: `name` varchar(32) NULL');
    expect(await c.rows('SELECT * FROM other.sr_member')).toEqual([['9', 'z', '2024-01-09']]);
    const [row] = await c.rows('SHOW RESTORE FROM other');
    expect(row![4]).toBe('CANCELLED');
    expect(row![16]).toContain('already exist but with different schema');
    await c.sql('INSERT INTO other.sr_member VALUES (10, "y", "2024-02-09")'); // the table is usable again
  });
});

describe('tables and partitions', () => {
  it('backs up one partition and restores it into a new table with AS', async () => {
    await c.sql('BACKUP DATABASE sr_hub SNAPSHOT sr_par_backup TO test_repo ON (TABLE sr_member PARTITION (p1))');
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_par_backup');
    await c.sql(`RESTORE SNAPSHOT sr_par_backup FROM test_repo DATABASE sr_hub ON (TABLE sr_member PARTITION (p1) AS sr_member_p1) PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect(await c.count('sr_hub.sr_member_p1')).toBe(2);
    const parts = (await c.rows('SHOW PARTITIONS FROM sr_hub.sr_member_p1')).map((r) => r[1]);
    expect(parts).toEqual(['p1']);
  });

  it('restores one partition over an existing table, leaving the other partitions as they are', async () => {
    await c.sql("INSERT INTO sr_hub.sr_member VALUES (6, 'f', '2024-01-03'), (7, 'g', '2024-02-07')");
    const before = await c.rows('SELECT COUNT(*) FROM sr_hub.sr_member PARTITION (p2)');
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_par_backup');
    await c.sql(`RESTORE SNAPSHOT sr_par_backup FROM test_repo DATABASE sr_hub ON (TABLE sr_member PARTITION (p1)) PROPERTIES ("backup_timestamp" = "${ts}")`);
    expect((await c.rows('SELECT COUNT(*) FROM sr_hub.sr_member PARTITION (p1)'))[0]![0]).toBe('2');
    expect(await c.rows('SELECT COUNT(*) FROM sr_hub.sr_member PARTITION (p2)')).toEqual(before);
  });

  it('backs up a table with the legacy syntax and restores it with the legacy syntax', async () => {
    await c.sql('BACKUP SNAPSHOT sr_hub.sr_pmc_backup TO test_repo ON (sr_pmc)');
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_pmc_backup');
    await c.sql(`RESTORE SNAPSHOT legacy_db.sr_pmc_backup FROM \`test_repo\` ON (sr_pmc) PROPERTIES ("backup_timestamp"="${ts}")`);
    expect(await c.count('legacy_db.sr_pmc')).toBe(2);
  });
});

describe('errors', () => {
  it('a second job on a database fails while the first holds the lock', async () => {
    const { submitBackup } = await import('../../lib/jobs/backup/submit-backup.ts');
    const { cancelJob } = await import('../../lib/jobs/cancel-job.ts');
    const { parseStatement } = await import('../../lib/sql/parse.ts');
    const held = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE sr_hub SNAPSHOT held TO test_repo') as never);
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT second TO test_repo')).toBe('Can only run one backup or restore job of a database at same time');
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_hub_backup');
    expect(await c.error(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub PROPERTIES ("backup_timestamp" = "${ts}")`))
      .toBe('Can only run one backup or restore job of a database at same time');
    await cancelJob(c.ctx, { jobId: held.jobId });
    const [row] = await c.rows('SHOW BACKUP FROM sr_hub');
    expect([row![1], row![3], row![12]]).toEqual(['held', 'CANCELLED', '[COMMON_ERROR, msg: user cancelled]']);
    await c.sql('BACKUP DATABASE sr_hub SNAPSHOT held TO test_repo'); // the lock is free and the label usable
  });

  it('RESTORE needs the exact backup_timestamp', async () => {
    expect(await c.error('RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub')).toBe('Missing backup_timestamp property');
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_hub_backup');
    const wrong = ts.slice(0, -3) + (ts.endsWith('999') ? '000' : '999');
    expect(await c.error(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub PROPERTIES ("backup_timestamp" = "${wrong}")`)).toBe(
      `Failed to get info of snapshot 'sr_hub_backup' because: Expected one file with path: file://${repoDir}/__starbackup_repository_test_repo/__ss_sr_hub_backup/__info_${wrong}. get: 0. Maybe specified wrong backup timestamp`,
    );
    expect(await c.error(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub PROPERTIES ("backup_timestamp" = "${ts.slice(0, 10)}")`)).toContain('Maybe specified wrong backup timestamp');
  });

  it('names unknown snapshots, tables, partitions, databases and repositories', async () => {
    const ts = await snapshotTimestamp(c, 'test_repo', 'sr_hub_backup');
    expect(await c.error(`RESTORE SNAPSHOT nope FROM test_repo DATABASE sr_hub PROPERTIES ("backup_timestamp" = "${ts}")`)).toMatch(/^Failed to get info of snapshot 'nope' because: Expected one file with path: .*__ss_nope\/__info_/);
    const restore = (on: string, db = 'sr_hub') => `RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE ${db} ON (${on}) PROPERTIES ("backup_timestamp" = "${ts}")`;
    expect(await c.error(restore('TABLE nope'))).toBe('Table nope does not exist in snapshot sr_hub_backup');
    expect(await c.error(restore('TABLE sr_member PARTITION (p9)'))).toBe('Partition p9 of table sr_member does not exist in snapshot sr_hub_backup');
    expect(await c.error(restore('TABLE sr_member', 'wrong_db'))).toBe('target database: wrong_db is not existed in snapshot');
    expect(await c.error(`RESTORE SNAPSHOT s FROM no_repo PROPERTIES ("backup_timestamp" = "${ts}")`)).toBe('Repository no_repo does not exist');
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT s TO test_repo ON (TABLE nope)')).toBe("Unknown table 'nope'");
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT s TO test_repo ON (TABLE sr_member PARTITION (p9))')).toBe('Unknown partition p9 in tablesr_member');
    expect(await c.error('BACKUP DATABASE nodb SNAPSHOT s TO test_repo')).toBe("Unknown database 'nodb'");
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo')).toBe("Snapshot with name 'sr_hub_backup' already exist in repository");
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT s TO test_repo PROPERTIES ("timeout" = "60")')).toBe('timeout must be at least 10 min');
    expect(await c.error('BACKUP DATABASE sr_hub SNAPSHOT s TO test_repo PROPERTIES ("colour" = "red")')).toBe('Unknown backup job properties: [colour]');
    expect(await c.error(`RESTORE SNAPSHOT sr_hub_backup FROM test_repo PROPERTIES ("backup_timestamp" = "${ts}", "x" = "1")`)).toBe('Unknown restore job properties: [x]');
  });

  it('reports parse errors with line and column', async () => {
    const outcomes = await c.run('SHOW DATABASES;\nSELECT COUNT(*)\n  FROM sr_hub.sr_member WHER id = 1');
    const failed = outcomes.find((o) => o.error)!;
    expect(failed.error!.code).toBe('ParseError');
    expect(failed.error!.message).toMatch(/^Getting syntax error at line 3, column \d+\. Detail message: /);
  });

  it('rejects a bad value in INSERT and publishes nothing', async () => {
    const before = (await c.ctx.catalog.requireTable('sr_hub', 'sr_pmc')).version;
    const files = (await listAll(c.ctx.data, 'data/')).length;
    expect(await c.error("INSERT INTO sr_hub.sr_pmc VALUES (3, 1.5, true), (4, 'abc', false)")).toBe(
      "Row 2: value 'abc' for column 'v' is not a decimal number (decimal(10, 2))",
    );
    expect(await c.error("INSERT INTO sr_hub.sr_member VALUES (8, 'h', '2030-01-01')")).toBe(
      "Row 1 (dt=2030-01-01) is out of partition ranges of table 'sr_member'. Please add a new partition.",
    );
    expect((await c.ctx.catalog.requireTable('sr_hub', 'sr_pmc')).version).toBe(before);
    expect((await listAll(c.ctx.data, 'data/')).length).toBe(files);
    expect(await c.count('sr_hub.sr_pmc')).toBe(2);
  });
});
