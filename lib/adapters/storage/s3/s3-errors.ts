import { StarbackupError, NotFoundError, StorageError } from '../../../domain/errors.ts';

/** What an S3 error is about, for its message. */
export interface S3ErrorContext {
  /** e.g. 'write', 'read', 'list'. */
  op: string;
  /** `s3a://bucket/prefix/key`. */
  target: string;
  bucket: string;
  /** Where requests go: the custom endpoint, or `AWS S3 (<region>)`. */
  endpoint: string;
}

const ACCESS = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'AccountProblem', 'InvalidToken',
  'ExpiredToken', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidSecurity', 'Forbidden',
  'AuthorizationHeaderMalformed', 'AccessDeniedException',
]);
const TRANSIENT = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeoutException', 'InternalError',
  'ServiceUnavailable', 'TimeoutError', 'RequestTimeTooSkewed', 'OperationAborted', 'PriorRequestNotComplete',
]);
const NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ECONNABORTED', 'UND_ERR_SOCKET',
]);

/**
 * Maps an SDK error to the port's typed errors. The SDK error is not kept as `cause`: it can carry
 * request details, and nothing that might hold a credential may reach a log or a job record; the
 * code, HTTP status and request id in the message are what an operator needs.
 */
export function mapS3Error(err: unknown, ctx: S3ErrorContext): Error {
  // Already typed: our IntegrityError, key checks, or a mapped error on its way out.
  if (err instanceof StarbackupError) return err;
  const e = (err ?? {}) as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = `${code}${status ? ` (HTTP ${status}${e.$metadata?.requestId ? `, request ${e.$metadata.requestId}` : ''})` : ''}`;
  const message = (e.message ?? '').trim();
  const why = message && message !== code ? `${detail}: ${message}` : detail;

  if (code === 'NoSuchKey' || (status === 404 && code === 'NotFound')) {
    return new NotFoundError(`Object ${ctx.target} not found`);
  }
  if (code === 'NoSuchBucket') {
    return new StorageError(`Bucket '${ctx.bucket}' does not exist at ${ctx.endpoint} (${ctx.op} ${ctx.target})`, false);
  }
  if (ACCESS.has(code) || status === 401 || status === 403) {
    return new StorageError(`Access denied by ${ctx.endpoint}: the credentials were rejected or lack permission to ${ctx.op} ${ctx.target}: ${why}`, false);
  }
  if (code === 'CredentialsProviderError') {
    return new StorageError(
      `No AWS credentials for ${ctx.target}: give aws.s3.access_key and aws.s3.secret_key, or run where the default credential chain finds some (${message})`,
      false,
    );
  }
  const networkCode = e.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (networkCode && NETWORK.has(networkCode)) {
    return new StorageError(`Cannot reach ${ctx.endpoint} to ${ctx.op} ${ctx.target}: ${networkCode}`, true);
  }
  const retryable = TRANSIENT.has(code) || status === 429 || (status ?? 0) >= 500;
  return new StorageError(`S3 could not ${ctx.op} ${ctx.target} at ${ctx.endpoint}: ${why}`, retryable);
}
