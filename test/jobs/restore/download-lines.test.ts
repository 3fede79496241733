import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { NotFoundError } from '../../../lib/domain/errors.ts';
import { type DownloadPartition, downloadKey, readDownload, readTransfers, transfersKey } from '../../../lib/jobs/restore/download-lines.ts';
import type { RestoreDownload } from '../../../lib/jobs/restore/restore-plan.ts';
import { writeLineDocs } from '../../../lib/jobs/staging-lines.ts';
import { writeStagingDoc } from '../../../lib/jobs/staging.ts';

const seg = (n: number) => ({ path: `data/t/p/0/r-j1-${n}.seg`, size: n, sha256: 'a'.repeat(64), rows: n });

async function readAll(store: MemoryObjectStore, jobId = 'j1'): Promise<DownloadPartition[]> {
  const out: DownloadPartition[] = [];
  for await (const p of readDownload(store, jobId)) out.push(p);
  return out;
}

describe('the staged restore download', () => {
  it('reads back the partitions in the order they were written, one line each', async () => {
    const store = new MemoryObjectStore();
    const parts: DownloadPartition[] = [
      { table: 't1', targetId: 'p1', tablets: [[seg(1), seg(2)], []] },
      { table: 't1', targetId: 'p2', tablets: [[seg(3)]], indexes: { i1: [[seg(4)]] } },
      { table: 't2', targetId: 'p3', tablets: [] },
    ];
    await writeLineDocs(store, [downloadKey('j1')], async ([w]) => { for (const p of parts) await w!.write(p); });
    expect(await readAll(store)).toEqual(parts);
  });

  it('reads the single document a job staged before the lines existed', async () => {
    const store = new MemoryObjectStore();
    const doc: RestoreDownload = { tables: [{ name: 't1', partitions: [{ targetId: 'p1', tablets: [[seg(1)]] }, { targetId: 'p2', tablets: [], indexes: { i: [[seg(2)]] } }] }, { name: 't2', partitions: [] }] };
    await writeStagingDoc(store, 'j1', 'download', doc);
    expect(await readAll(store)).toEqual([
      { table: 't1', targetId: 'p1', tablets: [[seg(1)]] },
      { table: 't1', targetId: 'p2', tablets: [], indexes: { i: [[seg(2)]] } },
    ]);
  });

  it('nothing staged: NotFoundError, which a cancel before planning takes as no segments', async () => {
    await expect(readAll(new MemoryObjectStore())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a line that is not JSON fails with the document and line named', async () => {
    const store = new MemoryObjectStore();
    await store.put(downloadKey('j1'), `${JSON.stringify({ table: 't', targetId: 'p', tablets: [] })}\n{"table":\n`);
    await expect(readAll(store)).rejects.toThrow(`Restore staging ${downloadKey('j1')} is corrupt: line 2 is not valid JSON`);
  });

  it('a line of JSON that is not a partition fails with the document and line named', async () => {
    const store = new MemoryObjectStore();
    for (const bad of ['null', '[1]', '{"table":"t","targetId":"p"}', '{"table":1,"targetId":"p","tablets":[]}', '{"table":"t","targetId":2,"tablets":[]}']) {
      await store.put(downloadKey('j1'), `${bad}\n`);
      await expect(readAll(store)).rejects.toThrow(`Restore staging ${downloadKey('j1')} is corrupt: line 1 is not a partition's segments`);
    }
  });

  it('reads back the staged copies, each from the blob its sha256 names', async () => {
    const store = new MemoryObjectStore();
    await writeLineDocs(store, [transfersKey('j1')], async ([w]) => { await w!.write(['data/a.seg', 'ab', 5]); await w!.write(['data/b.seg', 'cd', 0]); });
    const items = [];
    for await (const item of readTransfers(store, 'j1', (sha) => `blobs/${sha}`)) items.push(item);
    expect(items).toEqual([{ from: 'blobs/ab', to: 'data/a.seg', sha256: 'ab', size: 5 }, { from: 'blobs/cd', to: 'data/b.seg', sha256: 'cd', size: 0 }]);
  });

  it('a staged copy that is malformed fails with the document and line named', async () => {
    const store = new MemoryObjectStore();
    const read = async () => { for await (const _ of readTransfers(store, 'j1', (sha) => sha)) { /* drain */ } };
    await store.put(transfersKey('j1'), '["a","b",1]\n[\n');
    await expect(read()).rejects.toThrow(`Restore staging ${transfersKey('j1')} is corrupt: line 2 is not valid JSON`);
    for (const bad of ['{}', '["a","b"]', '["a","b","1"]', '[1,"b",1]', '["a",null,1]']) {
      await store.put(transfersKey('j1'), `${bad}\n`);
      await expect(read()).rejects.toThrow(`Restore staging ${transfersKey('j1')} is corrupt: line 1 is not a copy [to, sha256, size]`);
    }
  });
});
