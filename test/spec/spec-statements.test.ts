import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Statement, StatementOf } from '../../lib/sql/ast.ts';
import { parseStatements } from '../../lib/sql/parse.ts';
import { specSqlBlocks } from '../sql/helpers.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * Every BACKUP, RESTORE, SHOW and CANCEL example of the user's guide, in the guide's order, against a
 * prepared cluster, with the guide's example timestamps replaced by the real ones. Where the guide lists a
 * legacy form of the same backup, the first snapshot is dropped (DROP SNAPSHOT) so the label can be reused.
 * CREATE REPOSITORY examples are run against local servers by test/backends.
 */
const temp = useTempDirs('spec');
/** Some 50 jobs one after the other: seconds on an idle machine, minutes when every core is busy. */
const RUN_MS = 600_000;
let c: TestCluster;
const counts = new Map<string, Record<string, number>>();

const SETUP = `
  CREATE DATABASE sr_hub; USE sr_hub;
  CREATE TABLE sr_member (id INT NOT NULL, name VARCHAR(32), dt DATE NOT NULL) DUPLICATE KEY (id)
    PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-07-01"), PARTITION p2 VALUES LESS THAN ("2025-01-01"))
    DISTRIBUTED BY HASH (id) BUCKETS 3;
  CREATE TABLE sr_pmc (k BIGINT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
  INSERT INTO sr_member VALUES (1, 'a', '2024-01-01'), (2, 'b', '2024-08-01'), (3, 'c', '2024-03-01');
  INSERT INTO sr_pmc VALUES (1, 'x'), (2, 'y'), (3, 'z'), (4, 'w');
  CREATE MATERIALIZED VIEW sr_mv1 REFRESH ASYNC AS SELECT id, name FROM sr_member;
  CREATE MATERIALIZED VIEW sr_mv2 DISTRIBUTED BY HASH (k) BUCKETS 2 REFRESH MANUAL AS SELECT k FROM sr_pmc WHERE k > 1;
  CREATE VIEW sr_view1 AS SELECT id FROM sr_member; CREATE VIEW sr_view2 AS SELECT v FROM sr_pmc;
  CREATE FUNCTION sr_udf1(INT) RETURNS INT PROPERTIES ("symbol" = "com.example.Udf1", "type" = "StarrocksJar", "file" = "http://repo/udf1.jar");
  CREATE FUNCTION sr_udf2(VARCHAR(10)) RETURNS VARCHAR(10) PROPERTIES ("symbol" = "com.example.Udf2", "type" = "StarrocksJar", "file" = "http://repo/udf2.jar");
  CREATE EXTERNAL CATALOG iceberg PROPERTIES ("type" = "iceberg", "iceberg.catalog.type" = "hive", "hive.metastore.uris" = "thrift://hms:9083");
  CREATE EXTERNAL CATALOG hive PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://hms:9083", "aws.s3.secret_key" = "not-for-your-eyes")`;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  await mkdir(join(dir, 'repo')); // a file:// repository's folder must exist, as a mount point would
  await c.sql(`${SETUP}; CREATE REPOSITORY test_repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
}, RUN_MS);
afterAll(async () => c?.close());

const TABLES = ['sr_member', 'sr_pmc', 'sr_mv1', 'sr_mv2'];
const EXAMPLE_TS = /\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}/g;

function specStatements(): Statement[] {
  return specSqlBlocks().flatMap((b) => parseStatements(b)).filter((s) => s.kind !== 'CreateRepository');
}

async function tableCounts(db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) if ((await c.rows(`SHOW TABLES FROM ${db}`)).flat().includes(t)) out[t] = await c.count(`${db}.${t}`);
  return out;
}

async function runBackup(s: StatementOf<'Backup'>): Promise<void> {
  const label = s.snapshot.name;
  if ((await c.rows(`SHOW SNAPSHOT ON test_repo WHERE SNAPSHOT = '${label}'`))[0]![2] === 'OK') {
    // The guide shows the legacy form of a backup it has just run: free the label first.
    await c.sql(`DROP SNAPSHOT ${label} ON test_repo`);
  }
  await c.sql(s.text);
  expect(await snapshotTimestamp(c, 'test_repo', label)).toMatch(/^\d{4}(-\d\d){5}-\d{3}$/);
  if (!s.catalogs) counts.set(label, await tableCounts('sr_hub'));
}

async function runRestore(s: StatementOf<'Restore'>): Promise<void> {
  const label = s.snapshot.name;
  if (!s.properties.backup_timestamp) {
    expect(await c.error(s.text)).toBe('Missing backup_timestamp property');
    return;
  }
  const ts = await snapshotTimestamp(c, 'test_repo', label);
  if (s.catalogs) {
    // Restoring a catalog that exists is refused, as in StarRocks: drop the ones the example recreates.
    const names = s.catalogs.all ? ['iceberg', 'hive'] : s.catalogs.items.map((i) => i.alias ?? i.name);
    for (const n of names) await c.sql(`DROP CATALOG IF EXISTS ${n}`);
    await c.sql(s.text.replace(EXAMPLE_TS, ts));
    expect((await c.rows('SHOW CATALOGS')).map((r) => r[0])).toEqual(expect.arrayContaining(names));
    return;
  }
  await c.sql(s.text.replace(EXAMPLE_TS, ts));
  const target = s.dbAlias ?? s.db ?? s.snapshot.db ?? 'sr_hub';
  const tables = s.on?.filter((o) => o.kind === 'TABLE') ?? [];
  for (const t of tables) {
    if (t.kind !== 'TABLE') continue;
    const name = t.alias ?? t.name.name;
    const expected = t.partitions ? undefined : counts.get(label)?.[t.name.name];
    if (expected !== undefined) expect(await c.count(`${target}.${name}`)).toBe(expected);
  }
  const [job] = await c.rows(`SHOW RESTORE FROM ${target}`);
  expect([job![1], job![4], job![16]]).toEqual([label, 'FINISHED', '[OK]']);
}

describe('every statement of the user guide', () => {
  it('runs in order with StarRocks results', async () => {
    const done: string[] = [];
    for (const s of specStatements()) {
      switch (s.kind) {
        case 'Backup': await runBackup(s); break;
        case 'Restore': await runRestore(s); break;
        case 'CancelBackup':
          expect(await c.error(s.text)).toBe('Failed to cancel job: Job with label all_catalog_backup can not be cancelled. state: FINISHED');
          break;
        case 'CancelRestore':
          expect(await c.error(s.text)).toBe('Failed to cancel job: Job with label all_catalog_backup can not be cancelled. state: FINISHED');
          break;
        default: throw new Error(`unexpected statement in the guide: ${s.text}`);
      }
      done.push(s.kind);
    }
    expect(done.filter((k) => k === 'Backup')).toHaveLength(20);
    expect(done.filter((k) => k === 'Restore')).toHaveLength(26);
  }, RUN_MS);

  it('leaves the restored objects usable', async () => {
    expect((await c.rows('SHOW MATERIALIZED VIEWS FROM sr_hub')).map((r) => [r[2], r[4]])).toEqual(expect.arrayContaining([['sr_mv1', 'true'], ['sr_mv2', 'true']]));
    expect((await c.rows('SHOW FUNCTIONS FROM sr_hub')).flat()).toEqual(expect.arrayContaining(['sr_udf1(INT)', 'sr_udf2(VARCHAR(10))']));
    expect(await c.rows('SELECT COUNT(*) FROM sr_hub.sr_view2')).toEqual([['4']]);
    expect(await c.count('sr_hub_new.sr_member_new')).toBe(3);
    const snapshots = await c.rows('SHOW SNAPSHOT ON test_repo');
    expect(snapshots.every((r) => r[2] === 'OK')).toBe(true);
    expect(JSON.stringify(await c.rows('SHOW CATALOGS'))).not.toContain('not-for-your-eyes');
  });
});
