import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlStore, JOB_HISTORY_SECONDS } from '../../lib/control/control-store.ts';
import type { JobRecord } from '../../lib/domain/control-types.ts';
import { startTestDynamo, type TestDynamo } from '../support/test-dynamo.ts';

/** DynamoDB TTL reads epoch seconds from `ttl`: finished jobs age out after a week, lapsed leases a day later. */
let db: TestDynamo;
beforeAll(async () => { db = await startTestDynamo(); });
afterAll(async () => db?.close());

const ttlOf = async (pk: string, sk: string) => {
  const out = await db.dynamo.client.send(new GetItemCommand({ TableName: db.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }));
  return out.Item?.ttl?.N === undefined ? undefined : Number(out.Item.ttl.N);
};

describe('TTL of control records', () => {
  it('is set on a job once it ends, a week after it finished', async () => {
    const control = new ControlStore(db.table);
    const job = { jobId: 'j1', type: 'BACKUP', label: 's', db: 'd', repo: 'r', state: 'PENDING', timestamp: 't', createTime: 1, timeoutSec: 600,
      status: { code: 'OK', msg: '' }, times: {}, totals: { files: 0, bytes: 0 }, backup: { objects: [], type: 'FULL' } } as unknown as JobRecord;
    await control.createJob(job);
    expect(await ttlOf('JOB#j1', 'JOB')).toBeUndefined();
    await control.updateJob('j1', (j) => ({ ...j, state: 'UPLOADING' }));
    expect(await ttlOf('JOB#j1', 'JOB')).toBeUndefined();
    const finished = 1_700_000_000_123;
    await control.updateJob('j1', (j) => ({ ...j, state: 'FINISHED', times: { finished } }));
    expect(await ttlOf('JOB#j1', 'JOB')).toBe(Math.ceil(finished / 1000) + JOB_HISTORY_SECONDS);
    // The database's pointer to the job ages out with it, and still leads to it meanwhile.
    expect(await ttlOf('DBJOBS#d', 'j1')).toBe(Math.ceil(finished / 1000) + JOB_HISTORY_SECONDS);
    expect(await control.lastJobOfDatabase('d', 'BACKUP')).toEqual({ jobId: 'j1', type: 'BACKUP' });
    // So does the database's place among those with jobs (SHOW BACKUP without a database).
    expect(await ttlOf('JOBDBS', 'd')).toBe(Math.ceil(finished / 1000) + JOB_HISTORY_SECONDS);
    expect(await control.databasesWithJobs()).toContain('d');
  });

  it("is taken off a database's place among those with jobs while its next job runs, and set again when that one ends", async () => {
    const control = new ControlStore(db.table);
    const job = (jobId: string) => ({ jobId, type: 'BACKUP', label: 's', db: 'f', repo: 'r', state: 'PENDING', timestamp: 't', createTime: 1,
      timeoutSec: 600, status: { code: 'OK', msg: '' }, times: {}, totals: { files: 0, bytes: 0 }, backup: { objects: [], type: 'FULL' } }) as unknown as JobRecord;
    await control.createJob(job('f1'));
    expect(await ttlOf('JOBDBS', 'f')).toBeUndefined();
    await control.updateJob('f1', (j) => ({ ...j, state: 'CANCELLED', times: { finished: 1_700_000_000_000 } }));
    expect(await ttlOf('JOBDBS', 'f')).toBe(1_700_000_000 + JOB_HISTORY_SECONDS);
    // The last job's week must not run out under a job that runs longer than what is left of it.
    await control.createJob(job('f2'));
    expect(await ttlOf('JOBDBS', 'f')).toBeUndefined();
    expect(await control.databasesWithJobs()).toContain('f');
    await control.updateJob('f2', (j) => ({ ...j, state: 'FINISHED', times: { finished: 1_800_000_000_000 } }));
    expect(await ttlOf('JOBDBS', 'f')).toBe(1_800_000_000 + JOB_HISTORY_SECONDS);
  });

  it('is not set on a database\'s pointer to a job that has not ended', async () => {
    const control = new ControlStore(db.table);
    const job = { jobId: 'j2', type: 'RESTORE', label: 's', db: 'e', repo: 'r', state: 'PENDING', timestamp: 't', createTime: 1, timeoutSec: 600,
      status: { code: 'OK', msg: '' }, times: {}, totals: { files: 0, bytes: 0 } } as unknown as JobRecord;
    await control.createJob(job);
    await control.updateJob('j2', (j) => ({ ...j, state: 'DOWNLOADING' }));
    expect(await ttlOf('DBJOBS#e', 'j2')).toBeUndefined();
    expect(await control.jobsOfDatabase('e')).toEqual([{ jobId: 'j2', type: 'RESTORE' }]);
  });

  it('is set on a lease a day after it lapses', async () => {
    await db.table.put({ pk: 'LOCKS', sk: 'x' }, { a: 1 }, { expiresAt: 2_000_000_000_500 });
    expect(await ttlOf('LOCKS', 'x')).toBe(2_000_000_001 + 86_400);
  });
});
