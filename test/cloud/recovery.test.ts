/**
 * The recovery sweep in the cloud: a batch function dies mid-invocation and its execution is lost (stopped,
 * or timed out) without CANCEL, so the job holds its lock with nobody renewing it. The sweep's schedule,
 * fired until the lease lapses, rolls the job back: CANCELLED, lock released, staging and repository clean.
 * The functions run with a 5-second lease (instead of the template's 30 minutes) so the test need not wait.
 */
import { describe, expect, it } from 'vitest';
import { fireSchedule, scheduleIds, sql } from './support/entry-points.ts';
import { useCloudStack } from './support/use-cloud-stack.ts';

const env = useCloudStack({ environment: () => ({ LOCK_LEASE_MS: '5000' }) });

async function rows(statement: string): Promise<string[][]> {
  return (await sql(env.stack, statement)).at(-1).rows;
}

describe('the recovery sweep', () => {
  it('rolls back a backup whose batch died and whose execution was lost', async () => {
    await sql(env.stack, `CREATE DATABASE sales; CREATE TABLE sales.items (id INT NOT NULL, name VARCHAR(16)) DUPLICATE KEY (id) DISTRIBUTED BY HASH (id) BUCKETS 2;
      INSERT INTO sales.items VALUES (1, 'a'), (2, 'b'), (3, 'c');
      CREATE REPOSITORY team_repo WITH BROKER ON LOCATION "s3://team-backups/recovery" PROPERTIES ("aws.s3.use_instance_profile" = "true")`);
    const hold = env.stack.sfn.hold('UPLOAD_BATCH');
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT doomed TO team_repo');
    await hold.reached;
    const [execution] = [...env.stack.sfn.executions.values()].filter((e) => e.status === 'RUNNING');
    env.stack.fn('PhasesUploadBatch').crashNextInvocation();
    env.stack.sfn.abandon(execution!.arn);
    hold.release();
    expect(await env.stack.sfn.outcome(execution!.arn)).toEqual({ status: 'ABORTED' });
    expect((await rows('SHOW BACKUP FROM sales'))[0]!.slice(1, 4)).toEqual(['doomed', 'sales', 'UPLOADING']);

    const [sweep] = scheduleIds(env.stack, 'recovery sweep');
    let recovered: { outcome: string }[] = [];
    // Waits for the 5 s lease to lapse: bounded by attempts, never asserted on time.
    for (let attempt = 0; attempt < 240 && recovered.length === 0; attempt++) {
      recovered = (await fireSchedule(env.stack, sweep!, new Date().toISOString())) as { outcome: string }[];
      if (recovered.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(recovered).toEqual([expect.objectContaining({ outcome: 'rolled back' })]);
    const [job] = await rows('SHOW BACKUP FROM sales');
    expect(job!.slice(1, 4)).toEqual(['doomed', 'sales', 'CANCELLED']);
    expect((await env.stack.listObjects('team-backups', 'recovery/')).filter((k) => k.includes('__ss_doomed'))).toEqual([]);
    expect(await env.stack.listObjects(env.stack.dataBucket(), 'cluster/staging/')).toEqual([]);

    // The lock is free again: the next backup runs.
    await sql(env.stack, 'BACKUP DATABASE sales SNAPSHOT after TO team_repo');
    expect([...(await env.stack.sfn.settle()).values()].at(-1)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
