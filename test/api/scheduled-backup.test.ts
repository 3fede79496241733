import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scheduledBackupHandler } from '../../functions/scheduled-backup.ts';
import type { LocalOrchestrator } from '../../lib/adapters/local-sfn/local-orchestrator.ts';
import { parseScheduledBackupInput, scheduledLabel, snapshotsToDrop } from '../../lib/api/scheduled-backup.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });

describe('labels and retention (pure)', () => {
  it('labels a run <prefix>_yyyyMMdd_HHmmss in UTC', () => {
    expect(scheduledLabel('nightly', new Date('2026-11-24T02:00:07.950Z'))).toBe('nightly_20261124_020007');
  });

  it('drops only this schedule\'s finished snapshots beyond the newest keepLast', () => {
    const snapshots = [
      { label: 'nightly_20261120_020000', status: 'OK' },
      { label: 'nightly_20261122_020000', status: 'OK' },
      { label: 'nightly_20261121_020000', status: 'OK' },
      { label: 'nightly_20261123_020000', status: 'OK' },
      { label: 'nightly_20261119_020000', status: 'BAD_FILE' },
      { label: 'nightly_manual', status: 'OK' },
      { label: 'weekly_20261101_020000', status: 'OK' },
      { label: 'nightlyx_20261101_020000', status: 'OK' },
    ];
    expect(snapshotsToDrop(snapshots, 'nightly', 2)).toEqual(['nightly_20261121_020000', 'nightly_20261120_020000']);
    expect(snapshotsToDrop(snapshots, 'nightly', 4)).toEqual([]);
    expect(snapshotsToDrop([...snapshots, ...snapshots], 'nightly', 3)).toEqual(['nightly_20261120_020000']);
  });

  it('validates the schedule input so the generated statements cannot be bent', () => {
    const ok = { database: 'sales', repository: 'offsite', labelPrefix: 'nightly', keepLast: 7, scheduledTime: '2026-11-24T02:00:00Z' };
    expect(parseScheduledBackupInput(ok)).toEqual(ok);
    expect(parseScheduledBackupInput({ ...ok, user: 'backup_op' })).toEqual({ ...ok, user: { user: 'backup_op', host: '%' } });
    expect(parseScheduledBackupInput({ ...ok, user: "'backup_op'@'10.0.%'" })).toEqual({ ...ok, user: { user: 'backup_op', host: '10.0.%' } });
    const HOW = `"user": "backup_op" (the account 'backup_op'@'%') or "user": "'backup_op'@'<host>'"`;
    expect(() => parseScheduledBackupInput({ ...ok, user: "root' OR '1" })).toThrow(
      `Scheduled backup input: "user" must name a StarRocks user, ${HOW}; "root' OR '1" is not one`);
    expect(() => parseScheduledBackupInput({ ...ok, user: "'a'@'%' x" })).toThrow('"user" must name a StarRocks user');
    expect(() => parseScheduledBackupInput({ ...ok, user: 'a@%' })).toThrow('"user" must name a StarRocks user');
    expect(() => parseScheduledBackupInput({ ...ok, user: '' })).toThrow('"user" must name a StarRocks user');
    expect(() => parseScheduledBackupInput({ ...ok, user: 7 })).toThrow(`Scheduled backup input: "user" must be a string: ${HOW}`);
    expect(() => parseScheduledBackupInput({ ...ok, database: 'sales TO x; DROP DATABASE sales' })).toThrow('"database" must be an identifier');
    expect(() => parseScheduledBackupInput({ ...ok, keepLast: 0 })).toThrow('"keepLast" must be an integer of at least 1');
    expect(() => parseScheduledBackupInput({ ...ok, scheduledTime: 'yesterday' })).toThrow('"scheduledTime" must be an ISO 8601 time');
    expect(() => parseScheduledBackupInput(undefined)).toThrow('"database"');
  });
});

describe('the scheduled-backup handler against an embedded cluster', () => {
  const temp = useTempDirs('scheduled');
  let c: TestCluster;
  let run: ReturnType<typeof scheduledBackupHandler>;
  const idle = () => (c.ctx.orchestrator as LocalOrchestrator).idle();
  const input = (at: string) => ({ database: 'sales', repository: 'offsite', labelPrefix: 'nightly', keepLast: 2, scheduledTime: at, user: 'backup_op' });

  beforeAll(async () => {
    const dir = await temp.make();
    c = await openTestCluster(dir);
    mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
    await c.sql(`CREATE DATABASE sales; CREATE TABLE sales.t (k INT); INSERT INTO sales.t VALUES (1);
      CREATE REPOSITORY offsite WITH BROKER ON LOCATION "file://${dir}/repo"; CREATE USER backup_op IDENTIFIED BY 'b-pw'`);
    // What StarRocks' backup scenario grants (docs: administration/user_privs/privilege_overview, backup_tbl/backup_db).
    await c.sql('GRANT REPOSITORY ON SYSTEM TO USER backup_op; GRANT EXPORT ON ALL TABLES IN DATABASE sales TO USER backup_op');
    run = scheduledBackupHandler(async () => c.ctx);
  });
  afterAll(async () => {
    await c?.close();
  });

  it('issues BACKUP with the generated label, and a retried invocation does not start a second job', async () => {
    const first = await run(input('2026-11-21T02:00:00Z'));
    expect(first).toMatchObject({ label: 'nightly_20261121_020000', started: true, dropped: [], dropFailures: [] });
    expect(first.jobId).toBeDefined();
    await idle();
    const retry = await run(input('2026-11-21T02:00:00Z'));
    expect(retry).toMatchObject({ label: 'nightly_20261121_020000', started: false, jobId: first.jobId });
    const rows = await c.rows('SHOW BACKUP FROM sales');
    expect(rows[0]?.slice(1, 4)).toEqual(['nightly_20261121_020000', 'sales', 'FINISHED']);
    // The job keeps the schedule's user, as one started on the MySQL door keeps its session's.
    expect((await c.ctx.control.getJob(first.jobId!))?.doc.user).toBe("'backup_op'@'%'");
  });

  it('drops the schedule\'s snapshots beyond keepLast, and only those', async () => {
    await c.sql('BACKUP DATABASE sales SNAPSHOT nightly_manual TO offsite');
    for (const at of ['2026-11-22T02:00:00Z', '2026-11-23T02:00:00Z']) {
      await run(input(at));
      await idle();
    }
    const out = await run(input('2026-11-24T02:00:00Z'));
    await idle();
    // nightly_1121 is the one beyond the newest two finished ones (1122, 1123); 1124 was just started.
    expect(out).toMatchObject({ label: 'nightly_20261124_020000', started: true, dropped: ['nightly_20261121_020000'], dropFailures: [] });
    const labels = (await c.rows('SHOW SNAPSHOT ON offsite')).map((r) => r[0]).sort();
    expect(labels).toEqual(['nightly_20261122_020000', 'nightly_20261123_020000', 'nightly_20261124_020000', 'nightly_manual']);
  });

  it('runs as nobody by default: without a user, or with one that does not exist, nothing starts', async () => {
    const jobs = (await c.ctx.control.jobsOfDatabase('sales')).length;
    const { user: _none, ...anonymous } = input('2026-11-25T02:00:00Z');
    await expect(run(anonymous)).rejects.toThrow(
      `Scheduled backup input names no StarRocks user to run as: add "user": "backup_op" (the account 'backup_op'@'%') or "user": "'backup_op'@'<host>'"; nothing runs as root unless it is named`);
    await expect(run({ ...anonymous, user: "'backup_op'@'10.%'" })).rejects.toThrow(
      "Scheduled backup input: user 'backup_op'@'10.%' does not exist; CREATE USER it (and GRANT it the privileges it needs) or name another");
    expect((await c.ctx.control.jobsOfDatabase('sales')).length).toBe(jobs);
  });

  it('meets its user\'s privileges: a user without REPOSITORY starts nothing', async () => {
    await c.sql('CREATE USER reader; GRANT SELECT ON ALL TABLES IN DATABASE sales TO USER reader');
    const jobs = (await c.ctx.control.jobsOfDatabase('sales')).length;
    // StarRocks: BACKUP needs REPOSITORY on SYSTEM (fe-core sql/analyzer/AuthorizerStmtVisitor.visitBackupStatement).
    await expect(run({ ...input('2026-11-26T02:00:00Z'), user: 'reader' })).rejects.toThrow(
      /^Access denied; you need \(at least one of\) the REPOSITORY privilege\(s\) on SYSTEM for this operation/);
    expect((await c.ctx.control.jobsOfDatabase('sales')).length).toBe(jobs);
  });
});
