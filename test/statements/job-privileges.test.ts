import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';
import { type UserSession, denied, userSession } from './privilege-helpers.ts';

/**
 * Repositories, snapshots, BACKUP, RESTORE, SHOW and CANCEL as a non-root session. Rules: fe-core
 * sql/analyzer/AuthorizerStmtVisitor (visitCreateRepositoryStatement, visitBackupStatement,
 * visitRestoreStatement, visitCancelBackupStatement, visitShowSnapshotStatement, …) and
 * qe/ShowExecutor.visitShowBackupStatement (an empty set once EXPORT is missing on a job's table).
 */
const temp = useTempDirs('job-privileges');
let c: TestCluster;
let bob: UserSession;
let dir: string;

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true });
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; INSERT INTO d.t VALUES (1);
    CREATE TABLE d.u (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1; CREATE USER bob`);
  bob = userSession(c, 'bob');
});
afterAll(async () => c?.close());

const repoSql = () => `CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`;

describe('repositories and snapshots', () => {
  it('CREATE/DROP REPOSITORY, SHOW SNAPSHOT, DROP SNAPSHOT and ADMIN VERIFY need REPOSITORY on SYSTEM', async () => {
    expect(await bob.error(repoSql())).toBe(denied('REPOSITORY', 'SYSTEM'));
    await c.sql(repoSql());
    expect(await bob.rows('SHOW REPOSITORIES')).toHaveLength(1);
    for (const stmt of ['SHOW SNAPSHOT ON r', 'DROP SNAPSHOT s ON r', 'ADMIN VERIFY SNAPSHOT s ON r', 'DROP REPOSITORY r']) {
      expect(await bob.error(stmt)).toBe(denied('REPOSITORY', 'SYSTEM'));
    }
    await bob.grant('REPOSITORY ON SYSTEM');
    expect(await bob.rows('SHOW SNAPSHOT ON r')).toEqual([]);
  });
});

describe('BACKUP and SHOW BACKUP', () => {
  it('BACKUP needs EXPORT on every table it takes, a whole database all of them (backup_tbl, backup_db roles)', async () => {
    expect(await bob.error('BACKUP DATABASE d SNAPSHOT s1 TO r ON (t)')).toBe(denied('EXPORT', 'TABLE t'));
    await bob.grant('EXPORT ON TABLE d.t');
    expect(await bob.error('BACKUP DATABASE d SNAPSHOT s1 TO r')).toBe(denied('EXPORT', 'TABLE u'));
    await bob.rows('BACKUP DATABASE d SNAPSHOT s1 TO r ON (t)');
    const last = (await c.ctx.control.jobsOfDatabase('d')).at(-1)!;
    expect((await c.ctx.control.getJob(last.jobId))!.doc.user).toBe("'bob'@'%'");
  });

  it('SHOW BACKUP shows the job to who holds EXPORT on its tables, an empty set to others', async () => {
    expect((await bob.rows('SHOW BACKUP FROM d'))[0]).toContain('s1');
    await c.sql('CREATE USER eve');
    const eve = userSession(c, 'eve');
    expect(await eve.error('SHOW BACKUP FROM d')).toBe(denied('REPOSITORY', 'SYSTEM'));
    await eve.grant('REPOSITORY ON SYSTEM');
    expect(await eve.rows('SHOW BACKUP FROM d')).toEqual([]);
    expect(await eve.rows('SHOW BACKUP')).toEqual([]);
    await eve.grant('EXPORT ON ALL TABLES IN ALL DATABASES');
    expect(await eve.rows('SHOW BACKUP')).toHaveLength(1);
  });

  it('CANCEL BACKUP needs REPOSITORY and EXPORT on the last backup job tables', async () => {
    await c.sql('CREATE USER carl');
    const carl = userSession(c, 'carl');
    expect(await carl.error('CANCEL BACKUP FROM d')).toBe(denied('REPOSITORY', 'SYSTEM'));
    await carl.grant('REPOSITORY ON SYSTEM');
    expect(await carl.error('CANCEL BACKUP FROM d')).toBe(denied('EXPORT', 'TABLE t'));
    await carl.grant('EXPORT ON TABLE d.t');
    expect((await carl.run('CANCEL BACKUP FROM d'))[0]!.error?.code).not.toBe('AccessDeniedError');
  });
});

describe('RESTORE and SHOW RESTORE', () => {
  it('RESTORE of a whole database needs CREATE DATABASE on the catalog (recover_db role)', async () => {
    const ts = (await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 's1'"))[0]![1];
    const restore = `RESTORE SNAPSHOT s1 FROM r DATABASE d AS d2 PROPERTIES ('backup_timestamp' = '${ts}')`;
    expect(await bob.error(restore)).toBe(denied('CREATE DATABASE', 'CATALOG default_catalog'));
    await bob.grant('CREATE DATABASE ON CATALOG default_catalog');
    expect((await bob.run(restore))[0]!.error).toBeUndefined();
  });

  it('RESTORE of tables into an existing database needs CREATE TABLE on it and INSERT on each', async () => {
    const ts = (await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 's1'"))[0]![1];
    const restore = `RESTORE SNAPSHOT s1 FROM r DATABASE d ON (t) PROPERTIES ('backup_timestamp' = '${ts}')`;
    expect(await bob.error(restore)).toBe(denied('CREATE TABLE', 'DATABASE d'));
    await bob.grant('CREATE TABLE ON DATABASE d');
    expect(await bob.error(restore)).toBe(denied('INSERT', 'TABLE t'));
    await bob.grant('INSERT ON TABLE d.t');
    expect((await bob.run(restore))[0]!.error?.code).not.toBe('AccessDeniedError');
  });

  it('SHOW RESTORE and CANCEL RESTORE need REPOSITORY only; StarRocks filters no restore row', async () => {
    await c.sql('CREATE USER dan');
    const dan = userSession(c, 'dan');
    expect(await dan.error('SHOW RESTORE')).toBe(denied('REPOSITORY', 'SYSTEM'));
    expect(await dan.error('CANCEL RESTORE FROM d')).toBe(denied('REPOSITORY', 'SYSTEM'));
    await dan.grant('REPOSITORY ON SYSTEM');
    await dan.rows('SHOW RESTORE');
  });
});
