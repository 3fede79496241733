import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { readOnlyStore } from '../../../lib/adapters/storage/read-only-object-store.ts';
import { createHash } from 'node:crypto';
import { seal, sealPieces, unseal } from '../../../lib/domain/envelope.ts';
import type { SnapshotMeta, SnapshotTable } from '../../../lib/domain/snapshot-types.ts';
import { listAll, sha256Hex } from '../../../lib/ports/object-io.ts';
import { type MetaHeader, backupStaging, metaTables, metaText, readStagedMeta, uploadItems } from '../../../lib/jobs/backup/backup-staging.ts';
import { readLines, writeLineDocs } from '../../../lib/jobs/staging-lines.ts';
import { readBatch, writeBatches } from '../../../lib/jobs/staging.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const header: MetaHeader = {
  database: 'sales "eu"',
  views: [{ name: 'v1', query: 'SELECT 1' } as never],
  functions: [],
  catalogs: [{ name: 'hive1', type: 'hive', properties: { a: 'ü\n' } } as never],
};
const table = (name: string, segments: number): SnapshotTable => ({
  def: { name, type: 'OLAP' } as never,
  partitions: [{ name: 'p1', version: 3, tablets: [{ bucket: 0, segments: Array.from({ length: segments }, (_, i) => ({ sha256: sha256Hex(`${name}${i}`), size: i, rows: i * 2 })) }] }],
});

async function stage(store: MemoryObjectStore, tables: SnapshotTable[]): Promise<void> {
  await writeLineDocs(store, [backupStaging.meta('j1'), backupStaging.uploads('j1')], async ([meta, uploads]) => {
    await meta!.write(header);
    for (const t of tables) await meta!.write(t);
    for (const s of tables.flatMap((t) => t.partitions[0]!.tablets[0]!.segments)) await uploads!.write([`data/${s.sha256}.seg`, s.sha256, s.size]);
  });
}

const temp = useTempDirs('staging');

describe('the staged backup plan', () => {
  it('streams exactly the text JSON.stringify gives the whole SnapshotMeta, so the envelope checks on read', async () => {
    const store = new MemoryObjectStore();
    const tables = [table('t1', 3), table('t2', 5000), table('t3', 0)];
    await stage(store, tables);
    const meta: SnapshotMeta = { database: header.database, tables, views: header.views, functions: header.functions, catalogs: header.catalogs };
    let text = '';
    for await (const piece of metaText(store, 'j1')) text += piece;
    expect(text).toBe(JSON.stringify(meta));
    // One pass: the envelope the writer streams, checksum after the body, is the one seal makes of the whole document.
    let sealed = '';
    for await (const piece of sealPieces(metaText(store, 'j1'), createHash('sha256'))) sealed += piece;
    expect(sealed).toBe(seal(meta, sha256Hex));
    expect(sealed.endsWith(`,"sha256":"${sha256Hex(JSON.stringify(meta))}"}`)).toBe(true);
    expect(unseal<SnapshotMeta>(sealed, 'm', sha256Hex)).toEqual(meta);
    const staged = await readStagedMeta(store, 'j1');
    expect(staged.header).toEqual(header);
    const back: SnapshotTable[] = [];
    for await (const t of metaTables(staged.tableLines)) back.push(t);
    expect(back).toEqual(tables);
  });

  it('a database with no tables still makes a whole document', async () => {
    const store = new MemoryObjectStore();
    await stage(store, []);
    let text = '';
    for await (const piece of metaText(store, 'j1')) text += piece;
    expect(JSON.parse(text)).toEqual({ ...header, tables: [] });
  });

  it('lists uploads as transfers into the repository blobs', async () => {
    const store = new MemoryObjectStore();
    await stage(store, [table('t1', 2)]);
    const items = [];
    for await (const i of uploadItems(store, 'j1', 'r1')) items.push(i);
    const sha = sha256Hex('t10');
    expect(items[0]).toEqual({ from: `data/${sha}.seg`, to: `__starbackup_repository_r1/__blobs/${sha.slice(0, 2)}/${sha}`, sha256: sha, size: 0 });
    expect(items).toHaveLength(2);
  });

  it.each([
    ['memory', async () => new MemoryObjectStore()],
    ['file', async () => new FileObjectStore(await temp.make())],
  ])('a failure while staging leaves no document behind (%s store)', async (_kind, open) => {
    const store = await open();
    await expect(writeLineDocs(store, ['staging/j1/a.ndjson', 'staging/j1/b.ndjson'], async ([a]) => {
      for (let i = 0; i < 10_000; i++) await a!.write({ i, pad: 'x'.repeat(100) });
      throw new Error('catalog read failed');
    })).rejects.toThrow('catalog read failed');
    expect(await listAll(store, 'staging/')).toEqual([]);
  });

  it('a store that refuses the write fails the writer with the store error', async () => {
    const store = readOnlyStore(new MemoryObjectStore());
    await expect(writeLineDocs(store, ['staging/j1/a.ndjson'], async ([a]) => {
      for (let i = 0; i < 100_000; i++) await a!.write({ i, pad: 'x'.repeat(100) });
    })).rejects.toThrow('Cannot write memory:///staging/j1/a.ndjson: the store was opened read only');
  });

  it('reading a missing document names it', async () => {
    const lines = readLines(new MemoryObjectStore(), 'staging/j9/meta.ndjson');
    await expect(lines.next()).rejects.toThrow('staging/j9/meta.ndjson');
  });

  it('batches stay near maxBatches whatever the count, each written as it fills', async () => {
    const store = new MemoryObjectStore();
    const items = Array.from({ length: 10_000 }, (_, i) => ({ from: `f${i}`, to: `t${i}`, sha256: `${i}`, size: 10 }));
    const refs = await writeBatches(store, 'j1', items, { files: 10_000, bytes: 100_000 }, { maxFiles: 16, maxBytes: 1 << 30, maxBatches: 50 });
    expect(refs).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const files = await Promise.all(refs.map((r) => readBatch(store, 'j1', r)));
    expect(files.reduce((n, b) => n + b.length, 0)).toBe(10_000);
    expect(await listAll(store, 'staging/j1/')).toHaveLength(50);
    expect(await writeBatches(store, 'j2', [], { files: 0, bytes: 0 }, { maxFiles: 16, maxBytes: 1 << 30, maxBatches: 50 })).toEqual([]);
  });
});
