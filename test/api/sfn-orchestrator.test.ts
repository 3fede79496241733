import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SfnOrchestrator, stateMachineArnsFromEnv } from '../../lib/adapters/sfn/sfn-orchestrator.ts';

const BACKUP_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:StarbackupBackup';

/** A loopback endpoint speaking Step Functions' JSON 1.0 protocol, answering from a queue. */
const seen: { target: string; body: Record<string, unknown> }[] = [];
const answers: { status: number; body: unknown }[] = [];
const server = createServer(async (req: IncomingMessage, res) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  seen.push({ target: String(req.headers['x-amz-target']), body: JSON.parse(text) });
  const a = answers.shift() ?? { status: 200, body: { executionArn: 'arn:x', startDate: 1 } };
  res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(a.body));
});
let client: SFNClient;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = new SFNClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
  });
});
afterAll(() => {
  client?.destroy();
  server.close();
});

describe('SfnOrchestrator', () => {
  it('starts an execution named after the job with the job reference as input', async () => {
    answers.push({ status: 200, body: { executionArn: `${BACKUP_ARN.replace('stateMachine', 'execution')}:job1`, startDate: 1795518000 } });
    const exec = await new SfnOrchestrator({ BACKUP: BACKUP_ARN }, client).start('BACKUP', { jobId: 'job1' }, 'job1');
    expect(exec).toEqual({ executionId: 'arn:aws:states:eu-west-1:123456789012:execution:StarbackupBackup:job1' });
    expect(seen.at(-1)).toEqual({ target: 'AWSStepFunctions.StartExecution', body: { stateMachineArn: BACKUP_ARN, name: 'job1', input: '{"jobId":"job1"}' } });
  });

  it('gives Step Functions errors stable names, and says which variable is missing', async () => {
    const o = new SfnOrchestrator({ BACKUP: BACKUP_ARN }, client);
    answers.push({ status: 400, body: { __type: 'ExecutionAlreadyExists', message: 'Execution Already Exists' } });
    await expect(o.start('BACKUP', { jobId: 'j' }, 'j')).rejects.toMatchObject({ name: 'ConditionFailedError', message: expect.stringContaining('ExecutionAlreadyExists') });
    answers.push({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
    await expect(o.start('BACKUP', { jobId: 'j' }, 'j')).rejects.toMatchObject({ name: 'RetryableStorageError' });
    answers.push({ status: 400, body: { __type: 'StateMachineDoesNotExist', message: 'nope' } });
    await expect(o.start('BACKUP', { jobId: 'j' }, 'j')).rejects.toMatchObject({ name: 'InternalError' });
    await expect(o.start('RESTORE', { jobId: 'j' }, 'j')).rejects.toThrow('RESTORE_STATE_MACHINE_ARN is not set');
  });

  it('reads the ARNs the stack sets', () => {
    expect(stateMachineArnsFromEnv({ BACKUP_STATE_MACHINE_ARN: BACKUP_ARN, RESTORE_STATE_MACHINE_ARN: '' })).toEqual({ BACKUP: BACKUP_ARN });
  });
});
