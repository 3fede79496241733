import { TableState } from '../domain/catalog-types.ts';
import type { ServiceContext } from './service-context.ts';

/** Gives a table a restore held back to NORMAL, if that restore still holds it; releasing twice is fine. */
export async function releaseTable(ctx: ServiceContext, db: string, table: string, jobId: string): Promise<void> {
  await ctx.catalog.changeTable(db, table, (rec) => {
    if (!rec || rec.state !== TableState.RESTORE || rec.restoreJobId !== jobId) return undefined;
    const { restoreJobId: _held, ...rest } = rec;
    return { ...rest, state: TableState.NORMAL };
  });
}
