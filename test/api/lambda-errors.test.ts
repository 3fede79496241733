import { afterEach, describe, expect, it, vi } from 'vitest';
import { causeMessage } from '../../lib/jobs/cancel-job.ts';

// Failures log through Powertools; keep the test output clean.
vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });

/** What the stack sets (cdk/starbackup-stack.ts): enough for functions/wiring.ts to build a context, which touches no network. */
const CLOUD_ENV = {
  CATALOG_TABLE: 'starbackup-catalog',
  CONTROL_TABLE: 'starbackup-control',
  DATA_LOCATION: 's3://starbackup-data/cluster',
  CLUSTER_ID: 'c0ffee00-0000-4000-8000-000000000000',
  SECRETS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-4000-8000-000000000000',
  AWS_REGION: 'eu-west-1',
} as const;

/** A handler module loaded afresh under an environment: functions/wiring.ts keeps its context per module. */
async function load<M>(path: string, env: Record<string, string | undefined>): Promise<M> {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  return (await import(path)) as M;
}
afterEach(() => { vi.unstubAllEnvs(); });

type Handler = (event: unknown) => Promise<unknown>;

async function thrownBy(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

/** The Cause Step Functions records, built as the Node.js Lambda runtime builds it from a thrown error. */
const causeOf = (err: Error) => JSON.stringify({ errorType: err.name, errorMessage: err.message, trace: err.stack!.split('\n') });

function expectNoStack(err: Error): void {
  expect(err).toBeInstanceOf(Error);
  expect(err.stack).toBe(`${err.name}: ${err.message}`);
  expect(err.stack).not.toMatch(/^\s+at /m);
  expect(err.stack).not.toMatch(/\/[\w.-]+\.(m?js|ts)\b|\/var\/task|node_modules/);
  expect(err.cause).toBeUndefined();
}

const UNPARSABLE = 'BACKUP SNAPSHOT sales.nightly TO';
const PARSE_MESSAGE = 'Getting syntax error at line 1, column 33. Detail message: Unexpected end of input, expected a legal identifier.';

describe('errors leaving a Lambda function', () => {
  it('a console-started PENDING with an unparsable statement fails with ParseError, its message, and no stack', async () => {
    for (const [path, statement] of [['../../functions/backup-pending.ts', UNPARSABLE], ['../../functions/restore-pending.ts', 'RESTORE SNAPSHOT sales.nightly FROM']] as const) {
      const { handler } = await load<{ handler: Handler }>(path, CLOUD_ENV);
      const err = await thrownBy(() => handler({ statement }));
      expect(err.name).toBe('ParseError');
      expect(err.message).toMatch(/^Getting syntax error at line 1, column \d+\. Detail message: /);
      expectNoStack(err);
      // CANCEL reads the job status from the Cause's errorMessage.
      expect(causeMessage(causeOf(err))).toBe(err.message);
    }
    const { handler } = await load<{ handler: Handler }>('../../functions/backup-pending.ts', CLOUD_ENV);
    expect((await thrownBy(() => handler({ statement: UNPARSABLE }))).message).toBe(PARSE_MESSAGE);
  });

  it('keeps the name Step Functions routes on (Retry on ConditionFailedError, REJECTED on AnalysisError)', async () => {
    const { instrument } = await load<typeof import('../../functions/instrument.ts')>('../../functions/instrument.ts', {});
    const { AnalysisError, ConditionFailedError, InternalError, StorageError } = await import('../../lib/domain/errors.ts');
    const cases = [
      [new ConditionFailedError('lock row changed'), 'ConditionFailedError'],
      [new StorageError('DynamoDB request on the control table failed: throttled', true), 'RetryableStorageError'],
      [new AnalysisError('Unknown database sales'), 'AnalysisError'],
      [new InternalError('environment variable CATALOG_TABLE is not set'), 'InternalError'],
      // An error of another origin that carries one of our names (the local runner's) is routed the same.
      [Object.assign(new Error('Unknown database d'), { name: 'NotFoundError' }), 'NotFoundError'],
    ] as const;
    for (const [thrown, name] of cases) {
      const err = await thrownBy(() => instrument('t', async () => { throw thrown; })({}));
      expect([err.name, err.message]).toEqual([name, thrown.message]);
      expectNoStack(err);
    }
  });

  it('turns an error that is not ours into an InternalError naming only its class', async () => {
    const { instrument } = await load<typeof import('../../functions/instrument.ts')>('../../functions/instrument.ts', {});
    const sdk = Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized; secret_key=s3cr3t'), { name: 'AccessDeniedException' });
    const cases = [
      [new Error('ENOENT: no such file or directory, open \'/var/task/s3cr3t.json\''), 'Internal error (Error); the function\'s log has the details'],
      [new TypeError('Cannot read properties of undefined (reading \'s3cr3t\')'), 'Internal error (TypeError); the function\'s log has the details'],
      [sdk, 'Internal error (AccessDeniedException); the function\'s log has the details'],
      [Object.assign(new Error('x'), { name: 'Bad name: s3cr3t /var/task' }), 'Internal error (Error); the function\'s log has the details'],
      ['s3cr3t', 'Internal error (thrown string); the function\'s log has the details'],
      [null, 'Internal error (thrown null); the function\'s log has the details'],
    ] as const;
    for (const [thrown, message] of cases) {
      const err = await thrownBy(() => instrument('t', async () => { throw thrown; })({}));
      expect([err.name, err.message]).toEqual(['InternalError', message]);
      expectNoStack(err);
      expect(causeOf(err)).not.toContain('s3cr3t');
    }
  });

  it('the same through a task: a plain Error thrown by a phase leaves as InternalError without a stack', async () => {
    const { defineTask } = await load<typeof import('../../functions/task-handler.ts')>('../../functions/task-handler.ts', CLOUD_ENV);
    const task = defineTask(async function brokenPhase() { throw new Error('boom at /work/main/lib/jobs/x.ts:1:1'); });
    const err = await thrownBy(() => task.handler({ jobId: 'j1' }));
    expect([err.name, err.message]).toEqual(['InternalError', 'Internal error (Error); the function\'s log has the details']);
    expectNoStack(err);
  });

  it('the scheduled-backup function rejects bad input with AnalysisError and no stack', async () => {
    const { handler } = await load<{ handler: Handler }>('../../functions/scheduled-backup.ts', CLOUD_ENV);
    const err = await thrownBy(() => handler({ database: 'sales; DROP DATABASE sales' }));
    expect(err.name).toBe('AnalysisError');
    expect(err.message).toContain('"database" must be an identifier');
    expectNoStack(err);
  });
});

describe('the API function', () => {
  // A root principal of the stack (starbackup:rootPrincipalArns): its calls need no catalog read to find their user.
  const ADMIN = 'arn:aws:iam::123456789012:role/StarbackupAdmin';
  const API_ENV = { ...CLOUD_ENV, ROOT_PRINCIPAL_ARNS: JSON.stringify([ADMIN]) };
  const request = (body: string) => ({
    version: '2.0', rawPath: '/v1/sql', headers: {}, isBase64Encoded: false, body,
    requestContext: { http: { method: 'POST', path: '/v1/sql' }, authorizer: { iam: { accountId: '123456789012', userArn: ADMIN } } },
  });
  const bodyOf = async (handler: Handler, body: string) => {
    const r = (await handler(request(body))) as { statusCode: number; body: string };
    expect(r.body).not.toMatch(/\n\s+at |\/var\/task|\.(m?js|ts):\d+/);
    return { status: r.statusCode, body: JSON.parse(r.body) as unknown };
  };

  it('answers an unparsable statement with the error shape and no stack', async () => {
    const { handler } = await load<{ handler: Handler }>('../../functions/api.ts', API_ENV);
    expect(await bodyOf(handler, JSON.stringify({ sql: UNPARSABLE }))).toEqual({
      status: 400, body: { results: [], error: { code: 'ParseError', errno: 1064, sqlstate: 'HY000', message: PARSE_MESSAGE, statement: UNPARSABLE } },
    });
  });

  it('answers 500 without a stack when the service cannot start', async () => {
    const { handler } = await load<{ handler: Handler }>('../../functions/api.ts', { ...API_ENV, CATALOG_TABLE: undefined });
    expect(await bodyOf(handler, JSON.stringify({ sql: 'SHOW DATABASES' }))).toEqual({
      status: 500, body: { error: { code: 'InternalError', message: 'environment variable CATALOG_TABLE is not set' } },
    });
  });
});
