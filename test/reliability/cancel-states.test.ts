import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveryReason, recoverOrphans } from '../../lib/jobs/recover-jobs.ts';
import { type DownloadPartition, downloadKey, readDownload, transfersKey } from '../../lib/jobs/restore/download-lines.ts';
import type { RestoreDownload } from '../../lib/jobs/restore/restore-plan.ts';
import { writeStagingDoc } from '../../lib/jobs/staging.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import type { TestCluster } from '../support/test-cluster.ts';
import type { FaultInjector } from './fault-injector.ts';
import { expectBackupInvariants, expectRestoreInvariants, faultRig, prepareRestore, startBackup, startRestore } from './job-scenarios.ts';

/**
 * CANCEL BACKUP / CANCEL RESTORE issued the moment the job enters each state: the job ends CANCELLED with
 * StarRocks' status, the lock is free, no snapshot shows, staging is empty and existing tables are exactly
 * as they were. COMMITTING and finished jobs refuse with StarRocks' message.
 */
const temp = useTempDirs('cancel-states');
let c: TestCluster;
let faults: FaultInjector;
let ts = '';

beforeAll(async () => {
  ({ c, faults, ts } = await faultRig(await temp.make()));
});
afterAll(async () => c?.close());

describe.concurrent('CANCEL in every state', () => {
  it.each(['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOADING', 'SAVE_META', 'UPLOAD_INFO'])('CANCEL BACKUP in %s', async (state) => {
    const db = `cb_${state.toLowerCase()}`;
    const hit = faults.arm(db, state, 'cancel');
    const job = await startBackup(c, db);
    await hit;
    await job.done;
    expect(faults.cancelAnswer(db)).toBe('OK');
    const end = await expectBackupInvariants(c, job.jobId);
    expect([end.state, end.status]).toEqual(['CANCELLED', { code: 'COMMON_ERROR', msg: 'user cancelled' }]);
    const [row] = await c.rows(`SHOW BACKUP FROM ${db}`);
    expect([row![3], row![12]]).toEqual(['CANCELLED', '[COMMON_ERROR, msg: user cancelled]']);
  });

  it.each(['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOADING', 'COMMIT'])('CANCEL RESTORE in %s', async (state) => {
    const db = `cr_${state.toLowerCase()}`;
    const before = await prepareRestore(c, db);
    const hit = faults.arm(db, state, 'cancel');
    const job = await startRestore(c, db, ts);
    await hit;
    await job.done;
    expect(faults.cancelAnswer(db)).toBe('OK');
    const end = await expectRestoreInvariants(c, job.jobId, before);
    expect([end.state, end.status]).toEqual(['CANCELLED', { code: 'COMMON_ERROR', msg: `user cancelled, current state: ${state}` }]);
    const [row] = await c.rows(`SHOW RESTORE FROM ${db}`);
    expect(row![16]).toBe(`[COMMON_ERROR, msg: user cancelled, current state: ${state}]`);
  });

  it('CANCEL RESTORE in COMMITTING is refused, and the restore finishes', async () => {
    const db = 'cr_committing';
    const before = await prepareRestore(c, db);
    const hit = faults.arm(db, 'COMMITTING', 'cancel');
    const job = await startRestore(c, db, ts);
    await hit;
    await job.done;
    expect(faults.cancelAnswer(db)).toBe('Failed to cancel job: Job with label base can not be cancelled. state: COMMITTING');
    expect((await expectRestoreInvariants(c, job.jobId, before)).state).toBe('FINISHED');
  });

  it('CANCEL of a finished or cancelled job gives StarRocks message', async () => {
    const db = 'c_done';
    const job = await startBackup(c, db);
    await job.done;
    expect(await c.error(`CANCEL BACKUP FROM ${db}`)).toBe(`Failed to cancel job: Job with label ${db} can not be cancelled. state: FINISHED`);
    expect(await c.error(`CANCEL RESTORE FROM ${db}`)).toBe('No restore is currently running');
    const hit = faults.arm('c_cancelled', 'PENDING', 'cancel');
    const cancelled = await startBackup(c, 'c_cancelled');
    await hit;
    await cancelled.done;
    expect(await c.error('CANCEL BACKUP FROM c_cancelled')).toBe('Failed to cancel job: Job with label c_cancelled can not be cancelled. state: CANCELLED');
  });
});

/**
 * A restore planned by an earlier release staged its segment paths as one `download` document, with neither
 * the per-copy lines (`transfers.ndjson`) nor the per-partition lines (`download.ndjson`). Rolled back after
 * its process died mid-download, it must still find and remove every segment it wrote, from that document.
 */
describe('rolling back a restore staged by an earlier release', () => {
  it('removes the segments its download document names, after a kill mid-download', async () => {
    const db = 'legacy';
    const before = await prepareRestore(c, db);
    const hit = faults.arm(db, 'DOWNLOAD_BATCH', 'kill');
    const job = await startRestore(c, db, ts);
    await hit;
    expect(c.orchestrator.abandon(job.type, job.jobId)).toBe(true);
    await job.done;
    // What it wrote so far: at least the batch the kill came after.
    const written = (await listAll(c.ctx.data, 'data/')).filter((k) => k.includes(`r-${job.jobId}`));
    expect(written.length).toBeGreaterThan(0);
    // Staged as the earlier release staged it: the partitions as one document, no lines.
    const partitions: DownloadPartition[] = [];
    for await (const p of readDownload(c.ctx.data, job.jobId)) partitions.push(p);
    const tables = new Map<string, RestoreDownload['tables'][number]>();
    for (const { table, ...partition } of partitions) {
      if (!tables.has(table)) tables.set(table, { name: table, partitions: [] });
      tables.get(table)!.partitions.push(partition);
    }
    await c.ctx.data.delete(downloadKey(job.jobId));
    await c.ctx.data.delete(transfersKey(job.jobId));
    await writeStagingDoc(c.ctx.data, job.jobId, 'download', { tables: [...tables.values()] } satisfies RestoreDownload);
    const named = partitions.flatMap((p) => [...p.tablets, ...Object.values(p.indexes ?? {}).flat()].flat().map((s) => s.path));
    for (const key of written) expect(named.some((path) => key.endsWith(path))).toBe(true);

    const recovered = await recoverOrphans(c.ctx, (lock) => (lock.doc.jobId === job.jobId ? RecoveryReason.OWNER_GONE : undefined));
    expect(recovered.map((r) => [r.jobId, r.error])).toEqual([[job.jobId, undefined]]);
    const end = await expectRestoreInvariants(c, job.jobId, before);
    expect([end.state, end.status]).toEqual(['CANCELLED', { code: 'COMMON_ERROR', msg: 'the process running the job stopped; rolled back' }]);
  });
});
