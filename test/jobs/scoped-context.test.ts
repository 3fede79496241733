import { describe, expect, it } from 'vitest';
import type { PhaseAccess } from '../../lib/domain/phase-registry.ts';
import { CatalogStore } from '../../lib/cluster/catalog-store.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import type { RecordTable } from '../../lib/ports/record-table.ts';
import { READ_METHODS, UndeclaredAccessError, runScoped, scopeContext } from '../../lib/jobs/scoped-context.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';

/** Stores that only record what reached them. */
function fakeContext() {
  const reached: string[] = [];
  const table = {
    get: async () => (reached.push('catalog.get'), undefined),
    query: async () => (reached.push('catalog.query'), []),
    put: async () => (reached.push('catalog.put'), 1),
    delete: async () => void reached.push('catalog.delete'),
    add: async () => void reached.push('catalog.add'),
  } as unknown as RecordTable;
  const store = (name: string): ObjectStore => ({
    description: name,
    put: async () => (reached.push(`${name}.put`), { sha256: '', size: 0 }),
    get: async () => (reached.push(`${name}.get`), undefined as never),
    head: async () => (reached.push(`${name}.head`), undefined),
    list: async function* () { reached.push(`${name}.list`); },
    delete: async () => void reached.push(`${name}.delete`),
  });
  const ctx = {
    catalog: new CatalogStore(table),
    data: store('data'),
    openLocation: (location: string) => store(location),
    sealer: { seal: async () => (reached.push('seal'), 'sealed'), unseal: async () => (reached.push('unseal'), {}) },
    orchestrator: { start: async () => (reached.push('start'), { executionId: 'x' }) },
    control: { marker: 'control' },
  } as unknown as ServiceContext;
  return { ctx, reached };
}

const access = (change: Partial<PhaseAccess> = {}): PhaseAccess => ({ catalog: 'none', data: 'none', repositories: 'none', sealer: 'none', ...change });
const drain = async (it: AsyncIterable<unknown>) => { for await (const _ of it) void _; };

describe('a phase context narrowed to its declared access', () => {
  it('passes what the access allows through to the stores untouched', async () => {
    const { ctx, reached } = fakeContext();
    const all = access({ catalog: 'write', data: 'write', repositories: 'write', sealer: 'seal' });
    const { ctx: s, violations } = scopeContext(ctx, 'p (P)', all);
    await s.catalog.getTable('db', 't');
    await s.catalog.createDatabase({ name: 'db' } as never);
    await s.data.put('k', 'x');
    await s.openLocation('file:///r', {}).delete('k');
    await s.sealer.seal({}, 'r');
    await s.sealer.unseal('x', 'r');
    expect(reached).toEqual(['catalog.get', 'catalog.put', 'data.put', 'file:///r.delete', 'seal', 'unseal']);
    expect(violations).toEqual([]);
    expect(s.control).toBe(ctx.control);
  });

  it('lets read access read and refuses every write, naming the phase, the resource and the declared access', async () => {
    const { ctx, reached } = fakeContext();
    const { ctx: s, violations } = scopeContext(ctx, 'uploadBatch (UPLOAD_BATCH)', access({ catalog: 'read', data: 'read', repositories: 'read', sealer: 'unseal' }));
    await s.catalog.listDatabases();
    await s.data.head('k');
    await drain(s.data.list('staging/'));
    const repo = s.openLocation('file:///r', {});
    await repo.get('k');
    await s.sealer.unseal('x', 'r');
    expect(reached).toEqual(['catalog.query', 'data.head', 'data.list', 'file:///r.get', 'unseal']);
    await expect(s.catalog.createDatabase({ name: 'db' } as never)).rejects.toThrow(
      "Phase uploadBatch (UPLOAD_BATCH) writes the catalog (put DBS/db), but declares catalog: 'read' (lib/domain/phase-registry.ts): in AWS its function has no grant for it");
    expect(() => s.data.put('staging/j/x', 'y')).toThrow("Phase uploadBatch (UPLOAD_BATCH) writes the data store (put staging/j/x), but declares data: 'read'");
    expect(() => repo.delete('a/b')).toThrow("Phase uploadBatch (UPLOAD_BATCH) writes file:///r (delete a/b), but declares repositories: 'read'");
    expect(() => s.sealer.seal({}, 'catalog:c')).toThrow("Phase uploadBatch (UPLOAD_BATCH) seals credentials (catalog:c), but declares sealer: 'unseal'");
    expect(violations.map((v) => v.message.split(',')[0])).toEqual([
      'Phase uploadBatch (UPLOAD_BATCH) writes the catalog (put DBS/db)',
      'Phase uploadBatch (UPLOAD_BATCH) writes the data store (put staging/j/x)',
      'Phase uploadBatch (UPLOAD_BATCH) writes file:///r (delete a/b)',
      'Phase uploadBatch (UPLOAD_BATCH) seals credentials (catalog:c)',
    ]);
    expect(reached).toHaveLength(5);
  });

  it('refuses everything of a resource declared none, and any execution start', async () => {
    const { ctx, reached } = fakeContext();
    const { ctx: s, violations } = scopeContext(ctx, 'saveMeta (SAVE_META)', access());
    await expect(s.catalog.getTable('db', 't')).rejects.toThrow("Phase saveMeta (SAVE_META) reads the catalog (get DB#db/T#t), but declares catalog: 'none'");
    expect(() => s.data.list('staging/')).toThrow("reads the data store (list staging/), but declares data: 'none'");
    expect(() => s.openLocation('s3://bucket/repo', {})).toThrow("Phase saveMeta (SAVE_META) opens s3://bucket/repo, but declares repositories: 'none'");
    expect(() => s.sealer.unseal('x', 'repo')).toThrow("unseals credentials (repo), but declares sealer: 'none'");
    expect(() => s.orchestrator.start('BACKUP', { jobId: 'j' }, 'j')).toThrow('Phase saveMeta (SAVE_META) starts a BACKUP execution, but no phase may');
    expect(violations).toHaveLength(5);
    expect(violations.every((v) => v instanceof UndeclaredAccessError && v.name === 'InternalError')).toBe(true);
    expect(reached).toEqual([]);
  });

  it('counts every port method but the listed reads as a write', () => {
    expect(READ_METHODS).toEqual({ recordTable: ['get', 'query'], objectStore: ['get', 'head', 'list'] });
    const { ctx } = fakeContext();
    const store = Object.assign(Object.create(ctx.data) as ObjectStore, { copy: async () => undefined });
    const { ctx: s } = scopeContext({ ...ctx, data: store }, 'p', access({ data: 'read' }));
    expect(() => (s.data as unknown as { copy: (k: string) => unknown }).copy('k')).toThrow("writes the data store (copy k), but declares data: 'read'");
  });

  it('fails the invocation with the refusal even when the phase caught it, and reports it', async () => {
    const { ctx } = fakeContext();
    const reported: Error[] = [];
    const run = runScoped(ctx, 'cancelJob (CANCEL)', access(), async (s) => {
      try {
        await s.data.delete('staging/j/x');
      } catch {
        // a best-effort clean-up
      }
      return 'done';
    }, (e) => reported.push(e));
    await expect(run).rejects.toThrow("Phase cancelJob (CANCEL) writes the data store (delete staging/j/x), but declares data: 'none'");
    expect(reported).toHaveLength(1);
    await expect(runScoped(ctx, 'p', access(), async () => { throw new Error('its own'); })).rejects.toThrow('its own');
    await expect(runScoped(ctx, 'p', access(), async () => 7)).resolves.toBe(7);
  });
});
