import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { withRetries } from '../../../lib/adapters/storage/retrying-object-store.ts';
import { NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { getText, listAll } from '../../../lib/ports/object-io.ts';
import type { ObjectInfo, ObjectStore } from '../../../lib/ports/object-store.ts';

/** A store whose operations fail with a retryable error the first `failures` times each is called. */
function flaky(inner: ObjectStore, failures: number, retryable = true) {
  const calls: Record<string, number> = {};
  const fail = (op: string) => {
    calls[op] = (calls[op] ?? 0) + 1;
    if (calls[op]! <= failures) throw new StorageError(`${op} throttled`, retryable);
  };
  const store: ObjectStore = {
    description: 'flaky',
    put: async (key, body, options) => (fail('put'), inner.put(key, body, options)),
    get: async (key, range) => (fail('get'), inner.get(key, range)),
    head: async (key) => (fail('head'), inner.head(key)),
    delete: async (key) => (fail('delete'), inner.delete(key)),
    async *list(prefix): AsyncGenerator<ObjectInfo> {
      // Fails after yielding the first object, as a paginated listing failing on page two does.
      let n = 0;
      for await (const o of inner.list(prefix)) {
        if (n++ === 1) fail('list');
        yield o;
      }
    },
  };
  return { store, calls };
}

const options = { attempts: 4, baseDelayMs: 10, sleep: async () => {} };

describe('withRetries', () => {
  it('retries retryable failures of every operation', async () => {
    const inner = new MemoryObjectStore();
    const { store, calls } = flaky(inner, 2);
    const retrying = withRetries(store, options);
    await retrying.put('a', 'A');
    await retrying.put('b', new Uint8Array([66]));
    expect(await getText(retrying, 'a')).toBe('A');
    expect(await retrying.head('b')).toEqual({ key: 'b', size: 1 });
    expect(await listAll(retrying, '')).toEqual(['a', 'b']);
    await retrying.delete('a');
    expect(await listAll(inner, '')).toEqual(['b']);
    expect(calls).toEqual({ put: 4, get: 3, head: 3, delete: 3, list: 3 });
  });

  it('gives up after the configured attempts', async () => {
    const { store, calls } = flaky(new MemoryObjectStore(), 10);
    await expect(withRetries(store, options).head('x')).rejects.toThrow('head throttled');
    expect(calls.head).toBe(4);
  });

  it('does not retry non-retryable errors, or a put whose stream is consumed', async () => {
    const { store, calls } = flaky(new MemoryObjectStore(), 1, false);
    await expect(withRetries(store, options).head('x')).rejects.toBeInstanceOf(StorageError);
    expect(calls.head).toBe(1);
    const streaming = flaky(new MemoryObjectStore(), 1);
    await expect(withRetries(streaming.store, options).put('s', Readable.from([Buffer.from('x')]))).rejects.toThrow();
    expect(streaming.calls.put).toBe(1);
    await expect(withRetries(new MemoryObjectStore(), options).get('missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('backs off exponentially with jitter', async () => {
    const delays: number[] = [];
    const { store } = flaky(new MemoryObjectStore(), 3);
    await withRetries(store, { attempts: 4, baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) }).head('x');
    expect(delays).toHaveLength(3);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(50 * 2 ** i);
      expect(d).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });
});
