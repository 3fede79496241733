/**
 * Powertools around a Lambda handler, so the handlers themselves stay one line: a structured log line per
 * failure, a cold-start and an outcome metric per invocation, and an X-Ray subsegment per invocation.
 * Events are never logged: an API body may hold repository credentials. What a failure throws out of the
 * function is boundaryError's: a stable name and a safe message, no stack.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { ErrorName, StarbackupError, errorCode, errorMessage } from '../lib/domain/errors.ts';

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by the stack.
export const logger = new Logger({ serviceName: 'starbackup' });
export const metrics = new Metrics({ namespace: 'Starbackup', serviceName: 'starbackup' });
export const tracer = new Tracer({ serviceName: 'starbackup' });

export type LambdaHandler<I, O> = (event: I, context?: Context) => Promise<O>;

export function instrument<I, O>(name: string, handler: (event: I) => Promise<O>): LambdaHandler<I, O> {
  const observed = observe(name, handler);
  // Outside everything, so not even a Powertools failure leaves the function with its stack.
  return async (event, context) => {
    try {
      return await observed(event, context);
    } catch (e) {
      throw boundaryError(e);
    }
  };
}

function observe<I, O>(name: string, handler: (event: I) => Promise<O>): LambdaHandler<I, O> {
  return async (event, context) => {
    if (context) logger.addContext(context);
    logger.appendKeys({ handler: name, ...jobKey(event) });
    metrics.addDimension('handler', name);
    metrics.captureColdStartMetric();
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      const out = await handler(event);
      metrics.addMetric('Succeeded', MetricUnit.Count, 1);
      return out;
    } catch (e) {
      metrics.addMetric('Failed', MetricUnit.Count, 1);
      // Our error messages are written to be free of secrets; the stack and the cause are not logged. The
      // X-Ray metadata below keeps the original error, stack included, for whoever can read the traces.
      logger.error('handler failed', { errorName: errorCode(e), errorMessage: errorMessage(e) });
      if (subsegment && e instanceof Error) tracer.addErrorAsMetadata(e);
      throw e;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

const OUR_NAMES: ReadonlySet<string> = new Set(Object.values(ErrorName));
/** An error class name as the SDK and Node give them; anything else is not repeated in a message. */
const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9_.$]{0,63}$/;

/**
 * The error a handler throws out of Lambda. The Node.js runtime reports it as `{"errorType": name,
 * "errorMessage": message, "trace": stack.split('\n')}` and Step Functions shows that JSON as the
 * execution's Cause, so a stack would put bundle and source paths (/var/task/index.mjs, source-mapped
 * files) in front of whoever reads the console. The name stays, since Retry and Catch route on it
 * (lib/domain/errors.ts ErrorName), and so does the message, which the Catch path turns into the job's
 * status (cancel-job.ts causeMessage); the stack is the name and message alone. An error without one of
 * our names (a TypeError, an SDK exception, a thrown string) carries a message we did not write, so it
 * becomes an InternalError that names only its class; its message is in the function's log.
 */
export function boundaryError(e: unknown): Error {
  const ours = e instanceof StarbackupError || (e instanceof Error && OUR_NAMES.has(e.name));
  if (ours) return stackless(errorCode(e), errorMessage(e));
  const kind = e instanceof Error ? (PLAIN_NAME.test(e.name) ? e.name : 'Error') : `thrown ${e === null ? 'null' : typeof e}`;
  return stackless(ErrorName.Internal, `Internal error (${kind}); the function's log has the details`);
}

function stackless(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  err.stack = `${name}: ${message}`;
  return err;
}

/** Workflow inputs carry a job id; it is the one key that ties log lines of one job together. */
function jobKey(event: unknown): { jobId?: string } {
  const jobId = (event as { jobId?: unknown } | null)?.jobId;
  return typeof jobId === 'string' ? { jobId } : {};
}
