import { deleteTableFiles } from '../cluster/table-files.ts';
import type { ServiceContext } from '../jobs/service-context.ts';

/**
 * Deletes the files of dropped tables (DROP TABLE, DROP DATABASE, DROP MATERIALIZED VIEW run it after
 * removing the records). A table's mark is kept, and its files, while:
 * - a table with its id still exists: the drop died before removing the record, and the table lives on;
 * - a backup or restore holds its database's lock: a backup that pinned the table before it was dropped
 *   still reads those segments. The lock is read after the record went, so a job that takes it later
 *   never sees the table. The next DROP run on the cluster deletes them.
 * The mark goes only after the files, so a collection that dies half way is finished by the next one.
 */
export async function collectDroppedTables(ctx: ServiceContext): Promise<number> {
  let collected = 0;
  for (const d of await ctx.catalog.droppedTables()) {
    if ((await ctx.catalog.getTable(d.db, d.name))?.doc.def.id === d.tableId) continue;
    if (await ctx.control.getLock(d.db)) continue;
    await deleteTableFiles(ctx.data, d.tableId);
    await ctx.catalog.forgetDropped(d.tableId);
    collected++;
  }
  return collected;
}
