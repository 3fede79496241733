/**
 * One Lambda execution environment: loads a function's bundle as the Node.js runtime does (the template's
 * `index.handler` from the asset folder) and serves invocations one at a time over IPC, with the
 * runtime's context object and its error shape ({errorType, errorMessage, trace}). Plain JavaScript on
 * purpose: nothing of the test's TypeScript loader may reach the bundle.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSpec, timeoutMs, memoryMb] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const module = await import(pathToFileURL(join(taskRoot, `${handlerSpec.slice(0, dot)}.mjs`)).href);
const handler = module[handlerSpec.slice(dot + 1)];
if (typeof handler !== 'function') throw new Error(`${handlerSpec} is not a function of ${taskRoot}`);

const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
process.on('message', async ({ id, event }) => {
  const started = Date.now();
  const awsRequestId = randomUUID();
  // The runtime sets the trace header per invocation; X-Ray and Powertools read it from the environment.
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(started / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`;
  const context = {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: process.env.STARBACKUP_TEST_FUNCTION_ARN,
    memoryLimitInMB: memoryMb,
    awsRequestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Number(timeoutMs) - (Date.now() - started)),
    done() {}, fail() {}, succeed() {},
  };
  try {
    const result = await handler(event, context);
    process.send({ id, ok: true, payload: JSON.stringify(result ?? null) });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    process.send({ id, ok: false, error: { errorType: e.name || 'Error', errorMessage: e.message, trace: typeof e.stack === 'string' ? e.stack.split('\n') : [] } });
  }
});
process.send({ ready: true });
