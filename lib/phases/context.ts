import type { ControlStore } from '../control/control-store.ts';
import type { ClusterContext } from '../cluster/load.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import type { SecretSealer } from '../ports/secret-sealer.ts';
import type { LocationUse } from '../ports/trust-guard.ts';

/** What statement execution and every workflow phase need; built once by the runtime (bin/ or functions/wiring.ts). */
export interface ServiceContext extends ClusterContext {
  control: ControlStore;
  /**
   * Opens a store for a location URI (adapters' registry); used for repositories and FILES(). The
   * runtime binds it to its door's trust guard, so every file and named endpoint is checked at I/O time.
   */
  openLocation: (location: string, properties: Record<string, string>, options?: { readOnly?: boolean; use?: LocationUse }) => ObjectStore;
  orchestrator: Orchestrator;
  /** Seals repository credentials at rest: KMS in the cloud, a 0600 key file in the embedded home. */
  sealer: SecretSealer;
  /** Identifies this cluster in snapshots it writes (DROP SNAPSHOT's ownership check). */
  clusterId: string;
  /** Identifies this process or function in lock records. */
  owner: string;
  /** How long a lock lives without renewal; every phase renews it. */
  leaseMs: number;
  /** Batching of the fan-out. */
  batch: { maxFiles: number; maxBytes: number; maxBatches: number };
}

/** Opens a repository's store with its properties and its unsealed credentials (never stored in clear). */
export async function openRepository(ctx: ServiceContext, repo: RepositoryRecord): Promise<ObjectStore> {
  const secrets = repo.sealedSecrets ? await ctx.sealer.unseal(repo.sealedSecrets, repo.name) : {};
  return ctx.openLocation(repo.location, { ...repo.properties, ...secrets }, { readOnly: repo.readOnly });
}

export const DEFAULT_BATCH = { maxFiles: 256, maxBytes: 512 * 1024 * 1024, maxBatches: 200 } as const;
