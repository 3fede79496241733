import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { readBytes } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { Deny, type S3Proxy, startS3Proxy } from '../../support/s3-proxy.ts';
import { freshS3Store, s3Endpoint } from '../../support/s3-test-store.ts';

/**
 * S3 answers 403 instead of 404 for a missing key when the caller may not list the bucket without an
 * s3:prefix condition, which is how the stack grants the Lambda roles. The proxy plays that policy.
 */
let proxy: S3Proxy;
beforeAll(async () => { proxy = await startS3Proxy(s3Endpoint()); });
afterAll(async () => proxy?.close());

async function storeBehindProxy(deny: (typeof Deny)[keyof typeof Deny][]): Promise<{ store: ObjectStore; where: string }> {
  proxy.deny.clear();
  const store = freshS3Store({ endpoint: proxy.endpoint });
  await store.put('present', 'here');
  for (const d of deny) proxy.deny.add(d);
  proxy.requests.length = 0;
  return { store, where: store.description };
}

const denied = (where: string, key: string) =>
  `Access denied by ${proxy.endpoint}: the credentials were rejected or lack permission to read ${where}/${key}: `;

describe('S3 under a policy that answers 403 for missing keys', () => {
  it('reports a missing key as missing, after one listing with the key as prefix', async () => {
    const { store, where } = await storeBehindProxy([Deny.MISSING]);
    expect(await store.head('absent')).toBeUndefined();
    const err = await store.get('absent').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(`Object ${where}/absent not found`);
    const lists = proxy.requests.filter((r) => r.url.includes('list-type=2'));
    expect(lists).toHaveLength(2);
    expect(lists[0]!.url).toContain(`prefix=${encodeURIComponent(`${where.replace('s3a://conformance/', '')}/absent`)}`);
    expect(lists[0]!.url).toContain('max-keys=1');
    // A key the missing one prefixes does not make it exist.
    await store.put('absent-not', 'x');
    expect(await store.head('absent')).toBeUndefined();
    expect((await store.head('present'))?.size).toBe(4);
    expect((await readBytes(await store.get('present'))).toString()).toBe('here');
  });

  it('keeps the access denial when the listing is denied too', async () => {
    const { store, where } = await storeBehindProxy([Deny.MISSING, Deny.LIST]);
    const head = await store.head('absent').catch((e: unknown) => e);
    expect(head).toBeInstanceOf(StorageError);
    expect((head as StorageError).retryable).toBe(false);
    // A HEAD answer has no body, so the SDK knows no error code: the status is what the message can name.
    expect((head as Error).message).toBe(`${denied(where, 'absent')}Unknown (HTTP 403, request DENIED0000000000): UnknownError`);
    const get = await store.get('absent').catch((e: unknown) => e);
    expect(get).toBeInstanceOf(StorageError);
    expect((get as Error).message).toBe(`${denied(where, 'absent')}AccessDenied (HTTP 403, request DENIED0000000000): Access Denied`);
  });

  it('keeps the access denial for an object that exists but may not be read', async () => {
    const { store, where } = await storeBehindProxy([Deny.READS]);
    const head = await store.head('present').catch((e: unknown) => e);
    expect(head).toBeInstanceOf(StorageError);
    expect((head as Error).message).toContain(denied(where, 'present'));
    const get = await store.get('present').catch((e: unknown) => e);
    expect(get).toBeInstanceOf(StorageError);
    expect((get as Error).message).toBe(`${denied(where, 'present')}AccessDenied (HTTP 403, request DENIED0000000000): Access Denied`);
    expect(proxy.requests.filter((r) => r.url.includes('list-type=2'))).toHaveLength(2);
  });

  it('lists nothing more for a 403 from another operation', async () => {
    const { store } = await storeBehindProxy([Deny.LIST]);
    await expect(store.put('k', 'v')).resolves.toBeDefined();
    const iterate = async () => { for await (const _ of store.list('')) { /* drain */ } };
    await expect(iterate()).rejects.toBeInstanceOf(StorageError);
    expect(proxy.requests.filter((r) => r.url.includes('list-type=2'))).toHaveLength(1);
  });
});
