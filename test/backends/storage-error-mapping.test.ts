import { describe, expect, it } from 'vitest';
import { mapGcsError } from '../../lib/adapters/storage/gcs/gcs-errors.ts';
import { mapFetchFailure, mapRemoteException } from '../../lib/adapters/storage/hdfs/webhdfs-errors.ts';
import { mapS3Error } from '../../lib/adapters/storage/s3/s3-errors.ts';
import { IntegrityError, NotFoundError, StorageError } from '../../lib/domain/errors.ts';

/** How each SDK's errors become the port's: NotFound, or StorageError saying whether a retry can help. */
const s3ctx = { op: 'read', target: 's3a://bkt/p/k', bucket: 'bkt', endpoint: 'http://minio:9000' };
const sdkError = (name: string, status?: number, message = `${name} happened`) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status, requestId: 'R1' } } : {}) });

describe('mapS3Error', () => {
  it('maps NoSuchKey and a bare 404 to NotFoundError', () => {
    expect(mapS3Error(sdkError('NoSuchKey', 404), s3ctx)).toBeInstanceOf(NotFoundError);
    expect(mapS3Error(sdkError('NotFound', 404), s3ctx).message).toBe('Object s3a://bkt/p/k not found');
  });

  it.each([
    ['NoSuchBucket', 404, "Bucket 'bkt' does not exist at http://minio:9000 (read s3a://bkt/p/k)"],
    ['AccessDenied', 403, 'Access denied by http://minio:9000: the credentials were rejected or lack permission to read s3a://bkt/p/k: AccessDenied (HTTP 403, request R1): AccessDenied happened'],
    ['InvalidAccessKeyId', 403, 'InvalidAccessKeyId (HTTP 403'],
    ['SignatureDoesNotMatch', 403, 'SignatureDoesNotMatch (HTTP 403'],
    ['ExpiredToken', 400, 'ExpiredToken (HTTP 400'],
    ['InvalidRequest', 400, 'S3 could not read s3a://bkt/p/k at http://minio:9000: InvalidRequest (HTTP 400, request R1): InvalidRequest happened'],
  ] as const)('%s is a StorageError nobody should retry', (name, status, message) => {
    const err = mapS3Error(sdkError(name, status), s3ctx);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(false);
    expect(err.message).toContain(message);
  });

  it.each([['SlowDown', 503], ['InternalError', 500], ['ServiceUnavailable', 503], ['ThrottlingException', 400], ['TooManyRequests', 429]] as const)(
    '%s is retryable',
    (name, status) => {
      expect((mapS3Error(sdkError(name, status), s3ctx) as StorageError).retryable).toBe(true);
    },
  );

  it('says which endpoint could not be reached, retryably', () => {
    const err = mapS3Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), s3ctx) as StorageError;
    expect(err.message).toBe('Cannot reach http://minio:9000 to read s3a://bkt/p/k: ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });

  it('says what to do when no credentials were found', () => {
    const err = mapS3Error(sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), s3ctx) as StorageError;
    expect(err.message).toContain('No AWS credentials for s3a://bkt/p/k: give aws.s3.access_key and aws.s3.secret_key');
    expect(err.retryable).toBe(false);
  });

  it('passes our own typed errors through', () => {
    const integrity = new IntegrityError('sha256 mismatch');
    expect(mapS3Error(integrity, s3ctx)).toBe(integrity);
  });
});

describe('mapGcsError', () => {
  const ctx = { op: 'read', target: 'gs://bkt/k', bucket: 'bkt', endpoint: 'storage.googleapis.com' };
  const apiError = (code: number, message: string, reason?: string) => Object.assign(new Error(message), { code, ...(reason ? { errors: [{ reason }] } : {}) });

  it('tells a missing object from a missing bucket', () => {
    expect(mapGcsError(apiError(404, 'No such object: bkt/k'), ctx)).toBeInstanceOf(NotFoundError);
    expect(mapGcsError(apiError(404, 'The specified bucket does not exist.'), ctx).message).toBe("Bucket 'bkt' does not exist at storage.googleapis.com (read gs://bkt/k)");
  });

  it('maps 401 and 403 to access denied, 429 and 5xx to retryable', () => {
    const denied = mapGcsError(apiError(403, 'caller does not have storage.objects.get access', 'forbidden'), ctx) as StorageError;
    expect(denied.message).toBe('Access denied by storage.googleapis.com: the credentials were rejected or lack permission to read gs://bkt/k: HTTP 403 forbidden: caller does not have storage.objects.get access');
    expect(denied.retryable).toBe(false);
    expect((mapGcsError(apiError(429, 'rate'), ctx) as StorageError).retryable).toBe(true);
    expect((mapGcsError(apiError(503, 'backend'), ctx) as StorageError).retryable).toBe(true);
    expect((mapGcsError(apiError(400, 'bad'), ctx) as StorageError).retryable).toBe(false);
  });

  it('says missing default credentials are not retryable', () => {
    const err = mapGcsError(new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication'), ctx) as StorageError;
    expect(err.message).toContain('No usable GCS credentials for gs://bkt/k');
    expect(err.retryable).toBe(false);
  });
});

describe('mapRemoteException', () => {
  const map = (status: number, exception?: string, message = 'detail') =>
    mapRemoteException(status, exception ? { exception, message } : undefined, 'OPEN /x', 'http://nn:9870');

  it('maps FileNotFoundException to NotFoundError', () => {
    expect(map(404, 'FileNotFoundException', 'File does not exist: /x')).toBeInstanceOf(NotFoundError);
    expect(map(404, 'FileNotFoundException', 'File does not exist: /x').message).toBe('OPEN /x: not found (FileNotFoundException: File does not exist: /x)');
  });

  it('decides by the exception, not by 403, which HDFS uses for most IOExceptions', () => {
    const denied = map(403, 'AccessControlException', 'Permission denied: user=bob') as StorageError;
    expect(denied.message).toBe('Access denied by the namenode http://nn:9870 to OPEN /x: AccessControlException: Permission denied: user=bob');
    expect(denied.retryable).toBe(false);
    expect((map(403, 'StandbyException') as StorageError).retryable).toBe(true);
    expect((map(403, 'SafeModeException') as StorageError).retryable).toBe(true);
    expect((map(403, 'FileAlreadyExistsException') as StorageError).retryable).toBe(false);
    expect((map(400, 'IllegalArgumentException') as StorageError).retryable).toBe(false);
    expect((map(500, 'IOException') as StorageError).retryable).toBe(true);
    expect((map(502) as StorageError).message).toBe('HDFS could not OPEN /x: HTTP 502');
  });

  it('maps a refused connection to a retryable error naming the host', () => {
    const err = mapFetchFailure(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'OPEN /x', 'nn:9870') as StorageError;
    expect(err.message).toBe('Cannot reach nn:9870 to OPEN /x: ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });
});
