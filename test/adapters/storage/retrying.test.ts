import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { withRetries } from '../../../lib/adapters/storage/retrying-object-store.ts';
import { IntegrityError, NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { getText, listAll, readBytes } from '../../../lib/ports/object-io.ts';
import type { ObjectInfo, ObjectStore, ReplayableBody } from '../../../lib/ports/object-store.ts';
import { failingStream, sha256Of } from '../../support/streams.ts';

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

  it('retries a put of a replayable body, opening it afresh for every attempt and closing every stream it opened', async () => {
    const inner = new MemoryObjectStore();
    const { store, calls } = flaky(inner, 2);
    const bytes = Buffer.from('a blob, uploaded again');
    const opened: Readable[] = [];
    const body: ReplayableBody = { open: () => (opened.push(Readable.from([bytes])), opened.at(-1)!) };
    expect(await withRetries(store, options).put('r', body, { sha256: sha256Of(bytes) })).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
    expect(calls.put).toBe(3);
    expect(opened).toHaveLength(3);
    expect(opened.every((s) => s.destroyed)).toBe(true);
    expect(await getText(inner, 'r')).toBe(bytes.toString());
  });

  it('sends a replayable body whose source failed mid-stream again, whole, checking its sha256 on every attempt', async () => {
    const inner = new MemoryObjectStore();
    const bytes = Buffer.alloc(100_000, 9);
    let opens = 0;
    const body: ReplayableBody = {
      // The first read of the source breaks half-way, as a reset download does.
      open: async () => (++opens === 1 ? failingStream(bytes.subarray(0, 50_000), new StorageError('connection reset', true)) : Readable.from([bytes])),
    };
    expect(await withRetries(inner, options).put('big', body, { sha256: sha256Of(bytes), size: bytes.length })).toEqual({ sha256: sha256Of(bytes), size: bytes.length });
    expect(opens).toBe(2);
    expect(sha256Of(await readBytes(await inner.get('big')))).toBe(sha256Of(bytes));
    // A body that does not hash to the expected sha256 fails on its attempt, and is not retried.
    opens = 0;
    await expect(withRetries(inner, options).put('bad', { open: () => (opens++, Readable.from([bytes])) }, { sha256: '0'.repeat(64) })).rejects.toBeInstanceOf(IntegrityError);
    expect(opens).toBe(1);
    expect(await inner.head('bad')).toBeUndefined();
  });

  it('does not retry a replayable body whose open fails: the source store retried its own get', async () => {
    const { store, calls } = flaky(new MemoryObjectStore(), 0);
    let opens = 0;
    const gone = new StorageError('source throttled', true);
    await expect(withRetries(store, options).put('x', { open: async () => { opens++; throw gone; } })).rejects.toBe(gone);
    expect(opens).toBe(1);
    expect(calls.put ?? 0).toBe(0);
  });

  it('tries a one-shot stream once, whatever the error', async () => {
    const { store, calls } = flaky(new MemoryObjectStore(), 1);
    const stream = Readable.from([Buffer.from('once')]);
    await expect(withRetries(store, options).put('s', stream)).rejects.toThrow('put throttled');
    expect(calls.put).toBe(1);
  });
});
