import { expect } from 'vitest';
import { type TestCluster, snapshotTimestamp } from './test-cluster.ts';

/** The spec's sr_hub.sr_member, two partitions and two buckets, with 4 rows. */
export async function createSampleDatabase(c: TestCluster, db = 'sr_hub'): Promise<void> {
  await c.sql(`CREATE DATABASE ${db}; USE ${db};
    CREATE TABLE sr_member (id INT NOT NULL, name VARCHAR(32), dt DATE NOT NULL)
      DUPLICATE KEY (id)
      PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
      DISTRIBUTED BY HASH (id) BUCKETS 2;
    INSERT INTO sr_member VALUES (1, 'alice', '2024-01-05'), (2, 'bob', '2024-02-10'), (3, 'carol', '2024-01-20'), (4, 'dave', '2024-02-28')`);
}

/**
 * BACKUP DATABASE db SNAPSHOT label TO repo, then RESTORE it AS `restoreAs`, and checks that the
 * restored table has the same rows. Returns the snapshot's timestamp.
 */
export async function backupAndRestore(c: TestCluster, repo: string, label: string, restoreAs: string, db = 'sr_hub'): Promise<string> {
  await c.sql(`BACKUP DATABASE ${db} SNAPSHOT ${label} TO ${repo}`);
  const ts = await snapshotTimestamp(c, repo, label);
  await c.sql(`RESTORE SNAPSHOT ${label} FROM ${repo} DATABASE ${db} AS ${restoreAs} PROPERTIES ("backup_timestamp" = "${ts}")`);
  expect(await sortedRows(c, `${restoreAs}.sr_member`)).toEqual(await sortedRows(c, `${db}.sr_member`));
  return ts;
}

export async function sortedRows(c: TestCluster, table: string): Promise<(string | null)[][]> {
  return (await c.rows(`SELECT * FROM ${table}`)).sort((a, b) => Number(a[0]) - Number(b[0]));
}
