import { TableState } from '../domain/catalog-types.ts';
import { ConditionFailedError } from '../domain/errors.ts';
import type { ServiceContext } from './service-context.ts';

/** Gives a table a restore held back to NORMAL, if that restore still holds it; releasing twice is fine. */
export async function releaseTable(ctx: ServiceContext, db: string, table: string, jobId: string): Promise<void> {
  for (;;) {
    const cur = await ctx.catalog.getTable(db, table);
    if (!cur || cur.doc.state !== TableState.RESTORE || cur.doc.restoreJobId !== jobId) return;
    const { restoreJobId: _held, ...rest } = cur.doc;
    try {
      await ctx.catalog.replaceTable(db, { ...rest, state: TableState.NORMAL }, cur.version);
      return;
    } catch (e) {
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
}
