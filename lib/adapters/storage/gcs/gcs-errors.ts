import { NotFoundError, StarbackupError, StorageError } from '../../../domain/errors.ts';

export interface GcsErrorContext {
  op: string;
  target: string;
  bucket: string;
  endpoint: string;
  /** A 404 from this operation means the bucket is missing (listing, writing), not the object. */
  notFoundIsBucket?: boolean;
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  // undici's own: the socket closed under a request or an answer, or a connect, headers or body timeout.
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps GCS errors (GcsApiError or the library's ApiError with the HTTP status in `code`, fetch's
 * `fetch failed` with the socket error in `cause`, the auth library's errors) to the port's errors.
 * As for S3, the library's error is not kept as a cause.
 */
export function mapGcsError(err: unknown, ctx: GcsErrorContext): Error {
  if (err instanceof StarbackupError) return err;
  // The trust guard's refusal, raised while connecting (fetch puts it in `cause`): it says what and why.
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof StarbackupError) return cause;
  const e = (err ?? {}) as { code?: number | string; status?: number; message?: string; errors?: { reason?: string }[]; cause?: { code?: string } };
  const status = typeof e.code === 'number' ? e.code : e.status;
  const reason = e.errors?.[0]?.reason;
  const message = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  const networkCode = typeof e.code === 'string' ? e.code : e.cause?.code;
  if (networkCode && NETWORK.has(networkCode)) {
    return new StorageError(`Cannot reach ${ctx.endpoint} to ${ctx.op} ${ctx.target}: ${networkCode}`, true);
  }
  if (status === 404) {
    if (ctx.notFoundIsBucket || /bucket/i.test(message)) {
      return new StorageError(`Bucket '${ctx.bucket}' does not exist at ${ctx.endpoint} (${ctx.op} ${ctx.target})`, false);
    }
    return new NotFoundError(`Object ${ctx.target} not found`);
  }
  if (status === 401 || status === 403) {
    return new StorageError(`Access denied by ${ctx.endpoint}: the credentials were rejected or lack permission to ${ctx.op} ${ctx.target}: HTTP ${status}${reason ? ` ${reason}` : ''}: ${message}`, false);
  }
  if (/Could not load the default credentials|invalid_grant|private key/i.test(message)) {
    return new StorageError(`No usable GCS credentials for ${ctx.target}: ${message}`, false);
  }
  const retryable = status === 408 || status === 429 || (status ?? 0) >= 500;
  return new StorageError(`GCS could not ${ctx.op} ${ctx.target} at ${ctx.endpoint}: ${status ? `HTTP ${status}: ` : ''}${message}`, retryable);
}
