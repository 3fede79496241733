import { NotFoundError, errorMessage } from '../domain/errors.ts';
import type { RepositoryContext } from './repository-context.ts';
import { removeSnapshot } from './remove-snapshot.ts';

/** After this many failed attempts an expired snapshot is left alone (StarRocks' backup_clean_retry_limit). */
export const EXPIRY_RETRY_LIMIT = 3;

/**
 * Drops the snapshots of this cluster whose ttl has run out. Runs at the start of every embedded command
 * and from a schedule in the cloud. Only snapshots this cluster wrote are indexed, so ownership holds.
 */
export async function expireSnapshots(ctx: RepositoryContext): Promise<string[]> {
  const dropped: string[] = [];
  for (const e of await ctx.control.dueExpiries(ctx.clock.now())) {
    if (e.failures >= EXPIRY_RETRY_LIMIT) continue;
    const repo = await ctx.control.getRepository(e.repo);
    try {
      if (repo && !repo.readOnly) await removeSnapshot(ctx, repo, e.label, false);
      await ctx.control.deleteExpiry(e);
      dropped.push(`${e.repo}.${e.label}`);
    } catch (err) {
      if (err instanceof NotFoundError) {
        await ctx.control.deleteExpiry(e);
        continue;
      }
      await ctx.control.putExpiry({ ...e, failures: e.failures + 1, lastError: errorMessage(err) });
    }
  }
  return dropped;
}
