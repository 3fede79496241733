import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore, registerStorageBackend } from '../../../lib/adapters/storage/registry.ts';
import { s3Backend } from '../../../lib/adapters/storage/s3/s3-backend.ts';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { getText } from '../../../lib/ports/object-io.ts';
import { type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Location, s3Endpoint, s3rverProperties } from '../../support/s3-test-store.ts';

/** The region of a location that names none: the runtime's (the Lambda's AWS_REGION) on AWS, else us-east-1. */
describe('the default region of an S3 location', () => {
  const keys = { 'aws.s3.access_key': 'AK', 'aws.s3.secret_key': 'SK' };
  const region = (location: string, props: Record<string, string>, defaultRegion?: string) =>
    s3Backend.parse(location, props, defaultRegion ? { defaultRegion } : undefined).region;

  it('is us-east-1 unless the runtime gives one', () => {
    expect(region('s3://data-bucket/cluster', {})).toBe('us-east-1');
    expect(region('s3://data-bucket/cluster', {}, 'eu-west-3')).toBe('eu-west-3');
    expect(region('s3a://bucket/backup', keys, 'eu-west-3')).toBe('eu-west-3');
  });

  it('gives way to aws.s3.region and fs.s3a.endpoint.region', () => {
    expect(region('s3a://bucket/backup', { ...keys, 'aws.s3.region': 'ap-south-1' }, 'eu-west-3')).toBe('ap-south-1');
    expect(region('s3a://bucket/backup', { ...keys, 'fs.s3a.endpoint.region': 'us-west-2' }, 'eu-west-3')).toBe('us-west-2');
  });

  it('applies to AWS endpoints only: MinIO and GCS keep their own convention', () => {
    expect(region('s3a://bucket/backup', { ...keys, 'aws.s3.endpoint': 'https://s3.eu-west-3.amazonaws.com' }, 'eu-west-3')).toBe('eu-west-3');
    expect(region('s3a://bucket/backup', { ...keys, 'aws.s3.endpoint': 'http://minio:9000' }, 'eu-west-3')).toBe('us-east-1');
    expect(region('s3a://bucket/backup', { ...keys, 'aws.s3.endpoint': 'storage.googleapis.com' }, 'eu-west-3')).toBe('auto');
  });

  it('is handed by openObjectStore to the backend, and by no one when not given', () => {
    const seen: (string | undefined)[] = [];
    registerStorageBackend({
      schemes: ['region-probe'],
      secretProperties: [],
      parse: (_location, _properties, options) => seen.push(options?.defaultRegion),
      open: () => MemoryObjectStore.named('region-probe'),
    });
    openObjectStore('region-probe://x', {}, { defaultRegion: 'eu-west-3' });
    openObjectStore('region-probe://x');
    expect(seen).toEqual(['eu-west-3', undefined]);
  });
});

describe('an S3 store opened with a default region', () => {
  let proxy: S3Proxy;
  beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
  afterAll(async () => proxy?.close());

  /** An AWS location (no endpoint), parsed as the Lambda does, then sent to s3rver through the proxy. */
  function awsStoreThroughProxy(defaultRegion?: string) {
    const { 'aws.s3.endpoint': _endpoint, ...props } = s3rverProperties();
    const config = s3Backend.parse(freshS3Location(), props, defaultRegion ? { defaultRegion } : undefined);
    return s3Backend.open({ ...config, endpoint: proxy.endpoint, forcePathStyle: true });
  }

  it('signs its requests for that region; a client of the same keys in another region signs for its own', async () => {
    proxy.requests.length = 0;
    const paris = awsStoreThroughProxy('eu-west-3');
    await paris.put('k', 'v');
    expect(await getText(paris, 'k')).toBe('v');
    const scopes = proxy.requests.map((r) => /Credential=[^/]+\/\d{8}\/([^,]+),/.exec(r.authorization)?.[1]);
    expect(scopes).toEqual(['eu-west-3/s3/aws4_request', 'eu-west-3/s3/aws4_request']);

    proxy.requests.length = 0;
    await awsStoreThroughProxy().put('k', 'v');
    expect(proxy.requests[0]!.authorization).toContain('/us-east-1/s3/aws4_request');
  });
});
