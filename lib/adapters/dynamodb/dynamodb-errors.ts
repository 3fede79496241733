import { ConditionFailedError, StorageError } from '../../domain/errors.ts';

/**
 * Error names DynamoDB (and dynalite) use for conditions where trying again later can succeed. The SDK
 * has already retried these a few times by the time we see them; callers (Step Functions Retry, the
 * embedded runtime) decide whether to keep going, so the flag has to survive the mapping.
 */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node socket errors: the endpoint is unreachable or dropped the connection. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isRetryableDynamoError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkErrorShape;
  if (e.name && RETRYABLE_NAMES.has(e.name)) return true;
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/**
 * Turns an SDK error into the domain's errors. `subject` says what was being touched (table and key),
 * because SDK messages name neither.
 */
export function mapDynamoError(err: unknown, subject: string): Error {
  if (err instanceof ConditionFailedError || err instanceof StorageError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  if (e.name === 'ConditionalCheckFailedException') {
    return new ConditionFailedError(`Conditional write failed on ${subject}`, { cause: err });
  }
  const detail = e.message || e.code || e.name || String(err);
  return new StorageError(`DynamoDB request on ${subject} failed: ${detail}`, isRetryableDynamoError(err), {
    cause: err,
  });
}
