import { afterEach, describe, expect, it } from 'vitest';
import { Semaphore, withConcurrencyLimit } from '../../../lib/adapters/storage/limited-object-store.ts';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { readOnlyStore } from '../../../lib/adapters/storage/read-only-object-store.ts';
import { openObjectStore, registerStorageBackend } from '../../../lib/adapters/storage/registry.ts';
import { type StorageLogEntry, setStorageLog } from '../../../lib/adapters/storage/storage-log.ts';
import { StorageError } from '../../../lib/domain/errors.ts';
import { getText, listAll } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { freshS3Location, s3Endpoint } from '../../support/s3-test-store.ts';
import { runObjectStoreConformance } from './conformance.ts';

afterEach(() => setStorageLog());

// The wrappers keep the port's contract: the whole suite through openObjectStore.
let namespaces = 0;
runObjectStoreConformance('memory, wrapped by openObjectStore', () => openObjectStore(`memory://wrapped-${namespaces++}/root`));

function capture(): StorageLogEntry[] {
  const entries: StorageLogEntry[] = [];
  setStorageLog((e) => entries.push(e), 'debug');
  return entries;
}

describe('the concurrency limit', () => {
  it('keeps at most `limit` requests in flight', async () => {
    let active = 0;
    let peak = 0;
    const inner = new MemoryObjectStore();
    const slow: ObjectStore = {
      description: 'slow',
      put: (k, b, o) => inner.put(k, b, o),
      get: (k, r) => inner.get(k, r),
      delete: (k) => inner.delete(k),
      list: (p) => inner.list(p),
      head: async (key) => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return inner.head(key);
      },
    };
    const limited = withConcurrencyLimit(slow, new Semaphore(2));
    await Promise.all(Array.from({ length: 10 }, (_, i) => limited.head(`k${i}`)));
    expect(peak).toBe(2);
  });

  it('takes a slot per listed item, so a caller may use the store while it lists', async () => {
    const inner = new MemoryObjectStore();
    for (const k of ['a', 'b', 'c']) await inner.put(k, k);
    const limited = withConcurrencyLimit(inner, new Semaphore(1));
    for await (const o of limited.list('')) await limited.delete(o.key);
    expect(await listAll(inner, '')).toEqual([]);
  });
});

describe('the read-only guard', () => {
  it('refuses writes and deletes before they reach the backend, and lets reads through', async () => {
    const inner = new MemoryObjectStore(new Map(), '', 'memory://ro');
    await inner.put('k', 'v');
    const store = readOnlyStore(inner);
    const err = await store.put('k2', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retryable).toBe(false);
    expect((err as Error).message).toBe('Cannot write memory://ro/k2: the store was opened read only');
    await expect(store.delete('k')).rejects.toThrow('Cannot delete memory://ro/k: the store was opened read only');
    expect(await getText(store, 'k')).toBe('v');
    expect(await listAll(store, '')).toEqual(['k']);
  });

  it('is applied by openObjectStore when asked', async () => {
    const store = openObjectStore('memory://ro-registry/repo', {}, { readOnly: true });
    await expect(store.put('x', 'y')).rejects.toThrow('the store was opened read only');
    expect(await listAll(openObjectStore('memory://ro-registry'), '')).toEqual([]);
  });
});

describe('stores opened by the registry', () => {
  let failures = 0;
  registerStorageBackend({
    schemes: ['flaky-mem'],
    secretProperties: [],
    parse: (location) => location,
    open: (location) => {
      const inner = MemoryObjectStore.named(location);
      return {
        description: location,
        put: (k, b, o) => inner.put(k, b, o),
        get: (k, r) => inner.get(k, r),
        head: async (k) => {
          if (failures-- > 0) throw new StorageError(`${location} is throttling`, true);
          return inner.head(k);
        },
        list: (p) => inner.list(p),
        delete: (k) => inner.delete(k),
      };
    },
  });

  it('retry retryable errors and log each retry and each operation', async () => {
    const entries = capture();
    failures = 1;
    const store = openObjectStore('flaky-mem://a');
    await store.put('k', 'value');
    expect(await store.head('k')).toEqual({ key: 'k', size: 5 });
    expect(entries.map((e) => `${e.level} ${e.op} ${e.key}`)).toEqual(['debug put k', 'warn retry head k', 'debug head k']);
    expect(entries[0]).toMatchObject({ store: 'flaky-mem://a', bytes: 5 });
    expect(entries[1]!.error).toEqual({ code: 'RetryableStorageError', message: 'flaky-mem://a is throttling' });
  });

  it('give up after three tries', async () => {
    failures = 5;
    await expect(openObjectStore('flaky-mem://b').head('k')).rejects.toThrow('throttling');
    expect(failures).toBe(2);
  });

  it('never log a credential, even when the backend fails', async () => {
    const entries = capture();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYNEVERLOGME';
    const store = openObjectStore(freshS3Location('no-such-bucket'), {
      'aws.s3.access_key': 'AKIANEVERLOGME123456', 'aws.s3.secret_key': secret, 'aws.s3.endpoint': s3Endpoint(),
    });
    await expect(store.put('k', 'v')).rejects.toBeInstanceOf(StorageError);
    await expect(listAll(store, '')).rejects.toBeInstanceOf(StorageError);
    expect(entries.map((e) => `${e.level} ${e.op}`)).toEqual(['warn put', 'warn list']);
    const text = JSON.stringify(entries);
    expect(text).toContain('no-such-bucket');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('AKIANEVERLOGME123456');
  });
});
