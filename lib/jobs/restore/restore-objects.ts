import type { RestoreDetail, RestoreObject } from '../../domain/control-types.ts';
import { AnalysisError } from '../../domain/errors.ts';
import { checkName } from '../../domain/names.ts';
import type { SnapshotInfo } from '../../domain/snapshot-types.ts';
import type { ObjectRef, StatementOf } from '../../sql/ast.ts';

type Selection = Pick<RestoreDetail, 'objects' | 'views' | 'functions' | 'catalogs'>;

/** What a RESTORE takes from a snapshot, with StarRocks' messages for objects the snapshot lacks. */
export function resolveRestoreObjects(info: SnapshotInfo, label: string, on: ObjectRef[] | undefined): Selection {
  const selection = selectRestoreObjects(info, label, on);
  return { ...selection, objects: withShownPartitions(info, selection.objects) };
}

/** Partition names RestoreObjs may show across a job's tables: ample for a listing, small beside 400 KB. */
const SHOWN_PARTITION_CHARS = 16 * 1024;

/**
 * Each table's partitions as RestoreObjs lists them (StarRocks' BackupJobInfo.getInfo): those it restores,
 * leaving out the one partition of an unpartitioned table, which is named as the table.
 */
function withShownPartitions(info: SnapshotInfo, objects: RestoreObject[]): RestoreObject[] {
  let budget = SHOWN_PARTITION_CHARS;
  return objects.map((o) => {
    const names = (o.partitions ?? Object.keys(info.backup_objects[o.table]?.partitions ?? {})).filter((p) => p !== o.table);
    if (names.length === 0) return o;
    const shown: string[] = [];
    for (const name of names) {
      if (budget < name.length) break;
      budget -= name.length + 2;
      shown.push(name);
    }
    const more = names.length - shown.length;
    return { ...o, shown, ...(more > 0 ? { shownMore: more } : {}) };
  });
}

function selectRestoreObjects(info: SnapshotInfo, label: string, on: ObjectRef[] | undefined): Selection {
  const mvs = info.materialized_views ?? [];
  const tables = Object.keys(info.backup_objects).filter((t) => !mvs.includes(t));
  const views = info.views ?? [];
  const functions = info.functions ?? [];
  const out: Required<Omit<Selection, 'catalogs'>> = { objects: [], views: [], functions: [] };
  if (!on) {
    out.objects = [...tables, ...mvs].map((table) => ({ table }));
    out.views = views.map((name) => ({ name }));
    out.functions = functions.map((name) => ({ name }));
    return out;
  }
  const aliases = new Set<string>();
  const target = (name: string, alias?: string) => {
    const t = alias ? checkName('Table', alias) : name;
    if (alias && aliases.has(t)) throw new AnalysisError(`Duplicated alias name: ${alias}`);
    aliases.add(t);
  };
  const addData = (o: RestoreObject) => {
    if (out.objects.some((x) => x.table === o.table)) throw new AnalysisError(`Duplicated table: ${o.table}`);
    target(o.table, o.alias);
    out.objects.push(o);
  };
  const addNamed = (list: { name: string; alias?: string }[], name: string, alias: string | undefined, what: string) => {
    if (list.some((x) => x.name === name)) throw new AnalysisError(`Duplicated ${what}: ${name}`);
    list.push(alias ? { name, alias: checkName(what, alias) } : { name });
  };
  // Named objects first, then each ALL form adds what is not named already, as StarRocks accepts
  // `ALL FUNCTIONS, FUNCTION f` and `ALL TABLES, v1` (AnalyzeBackupRestoreTest.testRestore).
  for (const o of on) {
    switch (o.kind) {
      case 'TABLE': {
        const name = o.name.name;
        const snap = info.backup_objects[name];
        // A view is a table to StarRocks, so `ON (v1 [AS v2])` restores view v1.
        if (!snap && !o.partitions && views.includes(name)) {
          target(name, o.alias);
          addNamed(out.views, name, o.alias, 'view');
          break;
        }
        if (!snap || mvs.includes(name)) throw new AnalysisError(`Table ${name} does not exist in snapshot ${label}`);
        for (const p of o.partitions ?? []) {
          if (!snap.partitions[p]) throw new AnalysisError(`Partition ${p} of table ${name} does not exist in snapshot ${label}`);
        }
        addData({ table: name, ...(o.alias ? { alias: o.alias } : {}), ...(o.partitions ? { partitions: [...o.partitions] } : {}) });
        break;
      }
      case 'MATERIALIZED_VIEW':
        if (!mvs.includes(o.name.name)) throw new AnalysisError(`Materialized view ${o.name.name} does not exist in snapshot ${label}`);
        addData({ table: o.name.name, ...(o.alias ? { alias: o.alias } : {}) });
        break;
      case 'VIEW':
        if (!views.includes(o.name.name)) throw new AnalysisError(`View ${o.name.name} does not exist in snapshot ${label}`);
        target(o.name.name, o.alias);
        addNamed(out.views, o.name.name, o.alias, 'view');
        break;
      case 'FUNCTION':
        if (!functions.includes(o.name.name)) throw new AnalysisError(`Can not find restore function: ${o.name.name}`);
        addNamed(out.functions, o.name.name, o.alias, 'function');
        break;
      default: break;
    }
  }
  const kinds = new Set(on.map((o) => o.kind));
  const unnamed = (table: string) => !out.objects.some((x) => x.table === table);
  const fresh = (list: { name: string }[], name: string) => !list.some((x) => x.name === name) && list.push({ name });
  if (kinds.has('ALL_TABLES')) tables.filter(unnamed).forEach((table) => addData({ table }));
  if (kinds.has('ALL_MATERIALIZED_VIEWS')) mvs.filter(unnamed).forEach((table) => addData({ table }));
  if (kinds.has('ALL_VIEWS')) views.forEach((name) => fresh(out.views, name));
  if (kinds.has('ALL_FUNCTIONS')) functions.forEach((name) => fresh(out.functions, name));
  return out;
}

/** RESTORE … EXTERNAL CATALOG(S): every catalog of the snapshot, or the named ones, possibly renamed. */
export function resolveRestoreCatalogs(info: SnapshotInfo, refs: StatementOf<'Restore'>['catalogs']): { name: string; alias?: string }[] {
  const all = info.catalogs ?? [];
  if (!refs || refs.all) return all.map((name) => ({ name }));
  return refs.items.map((i) => {
    if (!all.includes(i.name)) throw new AnalysisError(`Can not find restore catalog: ${i.name}`);
    if (i.alias?.toLowerCase() === 'default_catalog') throw new AnalysisError('Do not support set alias as default catalog for external catalog restore');
    return i.alias ? { name: i.name, alias: checkName('Catalog', i.alias) } : { name: i.name };
  });
}
