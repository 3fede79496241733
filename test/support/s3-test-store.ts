import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { s3Backend } from '../../lib/adapters/storage/s3/s3-backend.ts';
import type { S3Config } from '../../lib/adapters/storage/s3/s3-config.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { S3RVER_KEY } from './s3-server.ts';

/** The shared s3rver's endpoint (from the global setup). */
export function s3Endpoint(): string {
  return inject('s3Endpoint');
}

/** Properties that reach the shared s3rver with its credentials. */
export function s3rverProperties(extra: Record<string, string> = {}): Record<string, string> {
  return { 'aws.s3.access_key': S3RVER_KEY, 'aws.s3.secret_key': S3RVER_KEY, 'aws.s3.endpoint': s3Endpoint(), ...extra };
}

/** A location no other test uses: `s3a://<bucket>/<label>-<random>`. */
export function freshS3Location(bucket = 'conformance', label = 't'): string {
  return `s3a://${bucket}/${label}-${randomBytes(6).toString('hex')}`;
}

/** A raw (unwrapped) S3 store on a fresh prefix, optionally with a changed config (small parts, pages). */
export function freshS3Store(tweak: Partial<S3Config> = {}, bucket = 'conformance'): ObjectStore {
  const config = { ...s3Backend.parse(freshS3Location(bucket), s3rverProperties()), ...tweak };
  return s3Backend.open(config);
}
