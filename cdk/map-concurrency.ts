import { availableParallelism } from 'node:os';

/** 0 means "one worker per core", as StarRocks' upload_worker_count does. */
export function mapConcurrency(workers: number): number {
  return workers > 0 ? workers : availableParallelism();
}

/**
 * Worker counts no configuration uses (upload_worker_count is bounded far below), synthesized into the
 * definitions the build ships so the CLI sets the real counts without loading aws-cdk-lib
 * (bin/definitions-cache.ts).
 */
export const TEMPLATE_WORKERS = { upload: 900_001, download: 900_002 } as const;
