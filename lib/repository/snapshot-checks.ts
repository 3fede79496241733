import type { SnapshotInfo, SnapshotMeta, SnapshotSegment, SnapshotTable } from '../domain/snapshot-types.ts';
import { identityText } from '../access/user-identity.ts';

/**
 * The structural checks of ADMIN VERIFY SNAPSHOT that need no storage: does `__meta` describe the same
 * snapshot `__info` summarises? Each mismatch is one finding: the object it concerns and what is wrong.
 */
export interface Finding {
  object: string | null;
  problem: string;
}

/** Every segment the metadata names, with the object that names it (a table's partition, or one of its sync MVs). */
export function segmentsOf(meta: SnapshotMeta): { object: string; segment: SnapshotSegment }[] {
  const out: { object: string; segment: SnapshotSegment }[] = [];
  for (const t of meta.tables) {
    for (const p of t.partitions) {
      for (const tablet of p.tablets) for (const segment of tablet.segments) out.push({ object: `${t.def.name}.${p.name}`, segment });
      for (const [index, tablets] of Object.entries(p.indexes ?? {})) {
        for (const tablet of tablets) for (const segment of tablet.segments) out.push({ object: `${t.def.name}.${p.name} (index ${index})`, segment });
      }
    }
  }
  return out;
}

export function compareMetaWithInfo(meta: SnapshotMeta, info: SnapshotInfo): Finding[] {
  const segments = segmentsOf(meta).map((s) => s.segment);
  const totals = { files: segments.length, bytes: sum(segments, 'size'), blobs: new Set(segments.map((s) => s.sha256)).size };
  return [
    ...compareHeadWithInfo(meta.database, new Set(meta.tables.map((t) => t.def.name)), info),
    ...meta.tables.flatMap((t) => compareTableWithInfo(t, info)),
    ...compareRestWithInfo(meta, totals, info),
  ];
}

/**
 * The parts of compareMetaWithInfo, for a `__meta` read as a stream: its database and table names, each
 * table as it comes, then the rest with the totals counted on the way. Findings in that order.
 */
export function compareHeadWithInfo(database: string, tables: ReadonlySet<string>, info: SnapshotInfo): Finding[] {
  const found: Finding[] = [];
  differ(found, null, 'the database', database, info.database);
  for (const name of Object.keys(info.backup_objects)) if (!tables.has(name)) found.push({ object: name, problem: 'listed in __info but missing from __meta' });
  return found;
}

export function compareTableWithInfo(table: SnapshotTable, info: SnapshotInfo): Finding[] {
  const found: Finding[] = [];
  const name = table.def.name;
  const summary = Object.hasOwn(info.backup_objects, name) ? info.backup_objects[name] : undefined;
  if (!summary) return [{ object: name, problem: 'in __meta but not listed in __info' }];
  differ(found, name, 'the partition list', table.partitions.map((p) => p.name).sort(), Object.keys(summary.partitions).sort());
  for (const p of table.partitions) {
    const s = Object.hasOwn(summary.partitions, p.name) ? summary.partitions[p.name] : undefined;
    if (!s) continue;
    const segs = p.tablets.flatMap((t) => t.segments);
    const actual = { version: p.version, rows: sum(segs, 'rows'), bytes: sum(segs, 'size'), files: segs.length };
    differ(found, `${name}.${p.name}`, 'the partition summary', actual, { version: s.version, rows: s.rows, bytes: s.bytes, files: s.files });
  }
  return found;
}

export function compareRestWithInfo(meta: Omit<SnapshotMeta, 'tables'>, totals: SnapshotInfo['totals'], info: SnapshotInfo): Finding[] {
  const found: Finding[] = [];
  const names = (xs: { name: string }[] | undefined) => (xs ?? []).map((x) => x.name).sort();
  differ(found, null, 'the view list', names(meta.views), [...(info.views ?? [])].sort());
  differ(found, null, 'the function list', [...new Set(names(meta.functions))], [...(info.functions ?? [])].sort());
  differ(found, null, 'the external catalog list', names(meta.catalogs), [...(info.catalogs ?? [])].sort());
  const users = meta.accounts && meta.accounts.users.map(identityText).sort();
  differ(found, null, 'the user list', users, info.users && [...info.users].sort());
  differ(found, null, 'the role list', meta.accounts && names(meta.accounts.roles), info.roles && [...info.roles].sort());
  differ(found, null, 'the totals', totals, { files: info.totals.files, bytes: info.totals.bytes, blobs: info.totals.blobs });
  return found;
}

function differ(found: Finding[], object: string | null, what: string, inMeta: unknown, inInfo: unknown): void {
  if (JSON.stringify(inMeta) !== JSON.stringify(inInfo)) found.push({ object, problem: `${what} is ${JSON.stringify(inMeta)} in __meta but ${JSON.stringify(inInfo)} in __info` });
}

function sum(segments: SnapshotSegment[], key: 'rows' | 'size'): number {
  return segments.reduce((n, s) => n + s[key], 0);
}
