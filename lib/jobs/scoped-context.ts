import { CatalogStore } from '../cluster/catalog-store.ts';
import { InternalError } from '../domain/errors.ts';
import type { Access, PhaseAccess } from '../domain/phase-registry.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import type { RecordTable } from '../ports/record-table.ts';
import type { SecretSealer } from '../ports/secret-sealer.ts';
import type { ServiceContext } from './service-context.ts';

/**
 * A phase's context narrowed to the access lib/domain/phase-registry.ts declares for it, which is what its
 * Lambda function is granted in AWS (cdk/phase-functions.ts). The embedded runtime runs every phase through
 * it (bin/task-bindings.ts), so a phase that touches what it did not declare fails the tests with an error
 * naming the phase, the resource and the declared access, instead of failing only once deployed.
 *
 * - catalog: the catalog's RecordTable; `get` and `query` read, every other method writes.
 * - data: the cluster's ObjectStore; `get`, `head` and `list` read, every other method writes.
 * - repositories: `openLocation` is refused for 'none'; for 'read' the store it opens refuses writes.
 * - sealer: `unseal` needs 'unseal' or 'seal', `seal` needs 'seal'.
 * - control: every phase writes it (each renews its job's lock), so it is left as it is.
 * - orchestrator: no phase starts an execution (their functions may not; functions/wiring.ts refuses too).
 * A method a port gains later counts as a write until it is listed here as a read.
 */
export const READ_METHODS = {
  recordTable: ['get', 'query'],
  objectStore: ['get', 'head', 'list'],
} as const satisfies { recordTable: readonly (keyof RecordTable)[]; objectStore: readonly (keyof ObjectStore)[] };

/** A phase used what its declared access does not allow. */
export class UndeclaredAccessError extends InternalError {}

export interface ScopedContext {
  ctx: ServiceContext;
  /** Every refused use, in order, whether or not the phase caught the error it got. */
  violations: UndeclaredAccessError[];
}

/** `phase` names the phase in messages, e.g. `uploadBatch (UPLOAD_BATCH)`. */
export function scopeContext(ctx: ServiceContext, phase: string, access: PhaseAccess): ScopedContext {
  const violations: UndeclaredAccessError[] = [];
  /** `declared` is the access that does not allow it, as the registry writes it: `data: 'read'`. */
  const refuse = (what: string, declared: string | undefined): never => {
    const why = declared === undefined
      ? 'no phase may: in AWS no phase function is granted it'
      : `declares ${declared} (lib/domain/phase-registry.ts): in AWS its function has no grant for it`;
    const e = new UndeclaredAccessError(`Phase ${phase} ${what}, but ${why}`);
    violations.push(e);
    throw e;
  };
  const narrowed = <T extends object>(target: T, reads: readonly string[], allowed: Access, resource: string, name: string): T =>
    guard(target, reads, allowed, (kind, method, key) =>
      refuse(`${kind === 'read' ? 'reads' : 'writes'} ${name} (${method}${typeof key === 'string' ? ` ${key}` : ''})`, `${resource}: '${allowed}'`));

  const catalog = access.catalog === 'write'
    ? ctx.catalog
    : new CatalogStore(narrowed(ctx.catalog.table, READ_METHODS.recordTable, access.catalog, 'catalog', 'the catalog'));
  const data = narrowed(ctx.data, READ_METHODS.objectStore, access.data, 'data', 'the data store');
  const openLocation: ServiceContext['openLocation'] = (location, properties, options) => {
    if (access.repositories === 'none') return refuse(`opens ${location}`, "repositories: 'none'");
    const store = ctx.openLocation(location, properties, options);
    return narrowed(store, READ_METHODS.objectStore, access.repositories, 'repositories', store.description);
  };
  const sealer: SecretSealer = {
    seal: (secrets, context) => (access.sealer === 'seal' ? ctx.sealer.seal(secrets, context) : refuse(`seals credentials (${context})`, `sealer: '${access.sealer}'`)),
    unseal: (sealed, context) => (access.sealer !== 'none' ? ctx.sealer.unseal(sealed, context) : refuse(`unseals credentials (${context})`, "sealer: 'none'")),
  };
  const orchestrator: Orchestrator = {
    start: (workflow) => refuse(`starts a ${workflow} execution`, undefined),
  };
  return { ctx: { ...ctx, catalog, data, openLocation, sealer, orchestrator }, violations };
}

/**
 * Runs one invocation of a phase over its narrowed context. A refused use fails the invocation with the
 * refusal, even when the phase caught it (a best-effort clean-up would otherwise hide a missing grant), and
 * is handed to `report`: the workflow may still end well (a watcher or a recovery finishing the job with
 * the full context), so the runtime keeps them to fail on later.
 */
export async function runScoped<O>(
  ctx: ServiceContext, phase: string, access: PhaseAccess, run: (scoped: ServiceContext) => Promise<O>,
  report: (e: UndeclaredAccessError) => void = () => undefined,
): Promise<O> {
  const scoped = scopeContext(ctx, phase, access);
  let out: O;
  try {
    out = await run(scoped.ctx);
  } catch (e) {
    scoped.violations.forEach(report);
    throw scoped.violations[0] ?? e;
  }
  scoped.violations.forEach(report);
  if (scoped.violations[0]) throw scoped.violations[0];
  return out;
}

/**
 * `target` with the methods `allowed` does not cover replaced by `refuse`: none of them for 'write', the
 * writes for 'read' (the methods not in `reads`), all of them for 'none'. Other properties pass through.
 */
function guard<T extends object>(
  target: T, reads: readonly string[], allowed: Access, refuse: (kind: 'read' | 'write', method: string, key: unknown) => never,
): T {
  if (allowed === 'write') return target;
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      const kind = typeof prop === 'string' && reads.includes(prop) ? 'read' : 'write';
      if (kind === 'read' && allowed === 'read') return (value as (...a: unknown[]) => unknown).bind(t);
      return (...args: unknown[]) => refuse(kind, String(prop), keyOf(args[0]));
    },
  });
}

/** The key a method was called with, for the message: an object key, or a record key's pk/sk. */
function keyOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'pk' in arg && 'sk' in arg) return `${String(arg.pk)}/${String(arg.sk)}`;
  return undefined;
}
