import type { WorkerCounts } from '../domain/workflow.ts';
import type { ClusterContext } from '../cluster/load.ts';
import type { Orchestrator } from '../ports/orchestrator.ts';
import type { RepositoryContext } from '../repository/repository-context.ts';

/**
 * What statement execution and every workflow phase need; built once by the runtime (bin/ or functions/wiring.ts).
 * The control store, openLocation, the sealer and the cluster id come from RepositoryContext.
 */
export interface ServiceContext extends ClusterContext, RepositoryContext {
  orchestrator: Orchestrator;
  /** Identifies this process or function in lock records. */
  owner: string;
  /** How long a lock lives without renewal; every phase renews it. */
  leaseMs: number;
  /** Batching of the fan-out. */
  batch: BatchLimits;
  /** The phases' own concurrency (starbackup.conf); DEFAULT_PHASE_WORKERS each when unset. */
  workers?: Pick<WorkerCounts, 'makeSnapshot' | 'releaseSnapshot'>;
}

/**
 * How planning cuts a job into batches, and how long one batch invocation works. Batches start at
 * `maxFiles` files or `maxBytes` bytes and widen as far as BATCH_CAP to keep a large job near `maxBatches`
 * (each batch costs a child execution and an invocation); past that the count grows instead.
 */
export interface BatchLimits {
  maxFiles: number;
  maxBytes: number;
  maxBatches: number;
  /**
   * How long one invocation of a batch handler takes new items (ctx.clock ms) before it returns a
   * continuation for the state machine to invoke it again; DEFAULT_BATCH.budgetMs when unset.
   */
  budgetMs?: number;
}

const MiB = 1024 * 1024;

/**
 * The most a batch may hold however large the job. Sized from time: at a slow 4 MiB/s to a distant
 * repository (a batch Lambda moves 4 files at once; in-region S3 gives it 50-100 MiB/s and more), 2 GiB
 * takes about 8.5 minutes, and 4096 small files at about 0.4 s of requests each, 4 at a time, under 7: well
 * inside Lambda's 15 minutes, and the time budget below covers anything slower.
 */
export const BATCH_CAP = { files: 4096, bytes: 2048 * MiB } as const;

/**
 * The budget of 10 minutes leaves 5 of the Task's 15 for the files already in flight when it runs out
 * (up to 4) and the progress write: a batch that runs slower than planned is continued, never killed.
 */
export const DEFAULT_BATCH = { maxFiles: 256, maxBytes: 512 * MiB, maxBatches: 200, budgetMs: 10 * 60_000 } as const;
