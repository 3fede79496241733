import type { TableRecord } from '../../domain/catalog-types.ts';
import type { BackupObject } from '../../domain/control-types.ts';
import { AnalysisError, NotFoundError } from '../../domain/errors.ts';
import type { ObjectRef, StatementOf } from '../../sql/ast.ts';
import { functionSignature } from '../../cluster/catalog-store.ts';
import type { ServiceContext } from '../service-context.ts';

/** What a BACKUP takes, resolved against the catalog (StarRocks' BackupHandler pre-checks and messages). */
export interface BackupSelection {
  objects: BackupObject[];
  views: string[];
  functions: string[];
}

const isMv = (t: TableRecord) => t.def.type === 'MATERIALIZED_VIEW';

export async function resolveBackupObjects(ctx: ServiceContext, db: string, on: ObjectRef[] | undefined): Promise<BackupSelection> {
  const tables = (await ctx.catalog.listTables(db)).map((r) => r.doc);
  const views = await ctx.catalog.listViews(db);
  const functions = await ctx.catalog.listFunctions(db);
  const out: BackupSelection = { objects: [], views: [], functions: [] };
  if (!on) {
    // A whole-database backup takes every table, materialized view, view and function.
    out.objects = tables.map((t) => ({ table: t.def.name }));
    out.views = views.map((v) => v.name);
    out.functions = functions.map(functionSignature);
    return out;
  }
  const addTable = (t: TableRecord, partitions?: string[]) => {
    if (out.objects.some((x) => x.table === t.def.name)) throw new AnalysisError(`Duplicated table: ${t.def.name}`);
    out.objects.push(partitions ? { table: t.def.name, partitions } : { table: t.def.name });
  };
  const addOnce = (list: string[], name: string, what: string) => {
    if (list.includes(name)) throw new AnalysisError(`Duplicated ${what}: ${name}`);
    list.push(name);
  };
  // Named objects first, then each ALL form adds what is not named already: StarRocks' analyzer accepts
  // `ALL VIEW, VIEW v1` in either order (BackupRestoreAnalyzer.visitBackupStatement skips the tables and
  // functions a named ref already holds; AnalyzeBackupRestoreTest.testBackup).
  const named = on.filter((o) => !o.kind.startsWith('ALL_'));
  for (const o of named) {
    if ('alias' in o && o.alias) throw new AnalysisError(`Can not set alias for table in Backup Stmt: ${o.name.name} AS ${o.alias}`);
    if ('name' in o && o.name.db && o.name.db !== db) throw new AnalysisError(`${o.name.db}.${o.name.name} is not in database ${db}`);
    switch (o.kind) {
      case 'TABLE': {
        const t = tables.find((x) => x.def.name === o.name.name);
        // A view is a table to StarRocks, so `ON (v1)` backs up view v1.
        if (!t && !o.partitions && views.some((v) => v.name === o.name.name)) {
          addOnce(out.views, o.name.name, 'view');
          break;
        }
        if (!t) throw new NotFoundError(`Unknown table '${o.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
        const parts = o.partitions?.map((p) => {
          if (!t.def.partitioning.partitions.some((s) => s.name === p)) throw new NotFoundError(`Unknown partition ${p} in table${t.def.name}`);
          return p;
        });
        addTable(t, parts);
        break;
      }
      case 'MATERIALIZED_VIEW': {
        const t = tables.find((x) => x.def.name === o.name.name && isMv(x));
        if (!t) throw new NotFoundError(`Unknown materialized view '${o.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
        addTable(t);
        break;
      }
      case 'VIEW': {
        if (!views.some((v) => v.name === o.name.name)) throw new NotFoundError(`Unknown view '${o.name.name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
        addOnce(out.views, o.name.name, 'view');
        break;
      }
      case 'FUNCTION': {
        const found = functions.filter((f) => f.name === o.name.name);
        if (!found.length) throw new AnalysisError(`Invalid backup function(s), function name: ${o.name.name}`);
        found.forEach((f) => addOnce(out.functions, functionSignature(f), 'function'));
        break;
      }
    }
  }
  const kinds = new Set(on.map((o) => o.kind));
  const has = (name: string) => out.objects.some((x) => x.table === name);
  const fresh = (list: string[], name: string) => !list.includes(name) && list.push(name);
  if (kinds.has('ALL_TABLES')) tables.filter((t) => !isMv(t) && !has(t.def.name)).forEach((t) => addTable(t));
  if (kinds.has('ALL_MATERIALIZED_VIEWS')) tables.filter((t) => isMv(t) && !has(t.def.name)).forEach((t) => addTable(t));
  if (kinds.has('ALL_VIEWS')) views.forEach((v) => fresh(out.views, v.name));
  if (kinds.has('ALL_FUNCTIONS')) functions.forEach((f) => fresh(out.functions, functionSignature(f)));
  return out;
}

/** External catalogs named by BACKUP (or all of them). */
export async function resolveCatalogs(ctx: ServiceContext, refs: NonNullable<StatementOf<'Backup'>['catalogs']>): Promise<string[]> {
  const all = (await ctx.catalog.listCatalogs()).map((c) => c.name);
  if (refs.all) {
    if (!all.length) throw new AnalysisError('No external catalog can be backed up');
    return all;
  }
  return refs.items.map((i) => {
    if (!all.includes(i.name)) throw new NotFoundError(`external catalog ${i.name} does not existed.`);
    return i.name;
  });
}
