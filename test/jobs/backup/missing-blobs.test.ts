import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import type { RepositoryRecord } from '../../../lib/domain/control-types.ts';
import { layout } from '../../../lib/domain/repository-layout.ts';
import { sha256Hex } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { LOOKUP_LIMIT, missingBlobs } from '../../../lib/jobs/backup/missing-blobs.ts';
import type { TransferItem } from '../../../lib/jobs/staging.ts';

const repo = { name: 'r' } as RepositoryRecord;

/** A store that counts what it is asked, to tell lookups from a listing. */
function counting(store: ObjectStore) {
  const calls = { head: 0, list: 0 };
  const wrapped: ObjectStore = {
    description: store.description,
    put: (k, b, o) => store.put(k, b, o),
    get: (k, r) => store.get(k, r),
    delete: (k) => store.delete(k),
    head: (k) => { calls.head++; return store.head(k); },
    list: (p) => { calls.list++; return store.list(p); },
  };
  return { store: wrapped, calls };
}

async function fixture(n: number): Promise<{ store: MemoryObjectStore; items: TransferItem[]; expected: string[] }> {
  const store = new MemoryObjectStore();
  const items: TransferItem[] = [];
  const expected: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = `segment ${i}`;
    const sha256 = sha256Hex(body);
    const item = { from: `data/${i}.seg`, to: layout.blob(repo.name, sha256), sha256, size: body.length };
    items.push(item);
    // A third present, a third damaged (another size), a third absent.
    if (i % 3 === 0) await store.put(item.to, body);
    else if (i % 3 === 1) await store.put(item.to, `${body} and more`);
    if (i % 3 !== 0) expected.push(item.from);
  }
  return { store, items, expected };
}

async function collect(it: AsyncIterable<TransferItem>): Promise<string[]> {
  const out: string[] = [];
  for await (const i of it) out.push(i.from);
  return out;
}

async function* each<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('missingBlobs', () => {
  it('looks up a few blobs one by one: absent and damaged ones are missing', async () => {
    const { store, items, expected } = await fixture(40);
    const c = counting(store);
    expect(await collect(missingBlobs(c.store, repo, each(items), items.length))).toEqual(expected);
    expect(c.calls).toEqual({ head: 40, list: 0 });
  });

  it('lists the repository once for many, with the same answer', async () => {
    const { store, items, expected } = await fixture(LOOKUP_LIMIT + 30);
    const c = counting(store);
    expect(await collect(missingBlobs(c.store, repo, each(items), items.length))).toEqual(expected);
    expect(c.calls).toEqual({ head: 0, list: 1 });
  });

  it('nothing to look for asks the repository nothing', async () => {
    const c = counting(new MemoryObjectStore());
    expect(await collect(missingBlobs(c.store, repo, each([]), 0))).toEqual([]);
    expect(c.calls).toEqual({ head: 0, list: 0 });
  });
});
