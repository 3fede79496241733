import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveryReason, recoverOrphans } from '../../lib/jobs/recover-jobs.ts';
import { type DownloadPartition, downloadKey, readDownload, transfersKey } from '../../lib/jobs/restore/download-lines.ts';
import type { RestoreDownload } from '../../lib/jobs/restore/restore-plan.ts';
import { writeStagingDoc } from '../../lib/jobs/staging.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import type { TestCluster } from '../support/test-cluster.ts';
import type { FaultInjector } from './fault-injector.ts';
import { expectRestoreInvariants, faultRig, prepareRestore, startRestore } from './job-scenarios.ts';

/**
 * A restore planned by an earlier release staged its segment paths as one `download` document, with neither
 * the per-copy lines (`transfers.ndjson`) nor the per-partition lines (`download.ndjson`). Rolled back after
 * its process died mid-download, it must still find and remove every segment it wrote, from that document.
 */
const temp = useTempDirs('legacy-staging');
let c: TestCluster;
let faults: FaultInjector;
let ts = '';

beforeAll(async () => {
  ({ c, faults, ts } = await faultRig(await temp.make()));
});
afterAll(async () => c?.close());

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
