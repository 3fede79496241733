import { blobSha } from '../../lib/domain/repository-layout.ts';
import type { TestCluster } from './test-cluster.ts';

export interface StoreHooks {
  /** Before every get. */
  get?: (key: string) => void;
  /** Before every blob's delete; the delete waits for it. */
  delete?: () => Promise<void>;
}

/**
 * Makes the stores the cluster's statements open from now on record the puts of garbage collection markers
 * and run `hooks` (which the test changes as it goes). Each call wraps the stores of the calls before it.
 */
export function instrumentStores(c: TestCluster): { puts: { key: string; body: string }[]; hooks: StoreHooks } {
  const puts: { key: string; body: string }[] = [];
  const hooks: StoreHooks = {};
  const open = c.ctx.openLocation;
  c.ctx.openLocation = (...args) => {
    const store = open(...args);
    return {
      description: store.description,
      put: (k, b, o) => {
        if (k.includes('/__gc_running/')) puts.push({ key: k, body: String(b) });
        return store.put(k, b, o);
      },
      head: (k) => store.head(k),
      list: (p, o) => store.list(p, o),
      get: async (k, r) => { hooks.get?.(k); return store.get(k, r); },
      delete: async (k) => { if (blobSha(k)) await hooks.delete?.(); return store.delete(k); },
    };
  };
  return { puts, hooks };
}
