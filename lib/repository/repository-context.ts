import type { ControlStore } from '../control/control-store.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import type { Clock } from '../ports/clock.ts';
import type { Compressor } from '../ports/compressor.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SecretSealer } from '../ports/secret-sealer.ts';
import type { LocationUse } from '../ports/trust-guard.ts';

/**
 * What the repository layer needs of the service: the control store, the clock, a way to open locations,
 * the sealer of credentials and who this cluster is. lib/jobs' ServiceContext extends it.
 */
export interface RepositoryContext {
  control: ControlStore;
  clock: Clock;
  /**
   * Opens a store for a location URI (adapters' registry); used for repositories and FILES(). The
   * runtime binds it to its door's trust guard, so every file and named endpoint is checked at I/O time.
   */
  openLocation: (location: string, properties: Record<string, string>, options?: { readOnly?: boolean; use?: LocationUse }) => ObjectStore;
  /** Seals repository credentials at rest: KMS in the cloud, a 0600 key file in the embedded home. */
  sealer: SecretSealer;
  /** Identifies this cluster in snapshots it writes (DROP SNAPSHOT's ownership check). */
  clusterId: string;
  /** The codec of compressed blobs (zstd); see blob-store.ts. */
  compressor: Compressor;
}

/** Opens a repository's store with its properties and its unsealed credentials (never stored in clear). */
export async function openRepository(ctx: RepositoryContext, repo: RepositoryRecord): Promise<ObjectStore> {
  const secrets = repo.sealedSecrets ? await ctx.sealer.unseal(repo.sealedSecrets, repo.name) : {};
  return ctx.openLocation(repo.location, { ...repo.properties, ...secrets }, { readOnly: repo.readOnly });
}
