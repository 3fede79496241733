/**
 * Powertools around a Lambda handler, so the handlers themselves stay one line: a structured log line per
 * failure, a cold-start and an outcome metric per invocation, and an X-Ray subsegment per invocation.
 * Events are never logged: an API body may hold repository credentials.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { errorCode, errorMessage } from '../lib/domain/errors.ts';

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by the stack.
export const logger = new Logger({ serviceName: 'starbackup' });
export const metrics = new Metrics({ namespace: 'Starbackup', serviceName: 'starbackup' });
export const tracer = new Tracer({ serviceName: 'starbackup' });

export type LambdaHandler<I, O> = (event: I, context?: Context) => Promise<O>;

export function instrument<I, O>(name: string, handler: (event: I) => Promise<O>): LambdaHandler<I, O> {
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
      // Our error messages are written to be free of secrets; the stack and the cause are not logged.
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

/** Workflow inputs carry a job id; it is the one key that ties log lines of one job together. */
function jobKey(event: unknown): { jobId?: string } {
  const jobId = (event as { jobId?: unknown } | null)?.jobId;
  return typeof jobId === 'string' ? { jobId } : {};
}
