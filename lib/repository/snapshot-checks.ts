import type { SnapshotInfo, SnapshotMeta, SnapshotSegment } from '../domain/snapshot-types.ts';
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
  const found: Finding[] = [];
  const differ = (object: string | null, what: string, inMeta: unknown, inInfo: unknown) => {
    if (JSON.stringify(inMeta) !== JSON.stringify(inInfo)) found.push({ object, problem: `${what} is ${JSON.stringify(inMeta)} in __meta but ${JSON.stringify(inInfo)} in __info` });
  };
  differ(null, 'the database', meta.database, info.database);
  const tables = new Map(meta.tables.map((t) => [t.def.name, t]));
  for (const name of Object.keys(info.backup_objects)) if (!tables.has(name)) found.push({ object: name, problem: 'listed in __info but missing from __meta' });
  for (const [name, table] of tables) {
    const summary = info.backup_objects[name];
    if (!summary) {
      found.push({ object: name, problem: 'in __meta but not listed in __info' });
      continue;
    }
    differ(name, 'the partition list', table.partitions.map((p) => p.name).sort(), Object.keys(summary.partitions).sort());
    for (const p of table.partitions) {
      const s = summary.partitions[p.name];
      if (!s) continue;
      const segs = p.tablets.flatMap((t) => t.segments);
      const actual = { version: p.version, rows: sum(segs, 'rows'), bytes: sum(segs, 'size'), files: segs.length };
      differ(`${name}.${p.name}`, 'the partition summary', actual, { version: s.version, rows: s.rows, bytes: s.bytes, files: s.files });
    }
  }
  const names = (xs: { name: string }[] | undefined) => (xs ?? []).map((x) => x.name).sort();
  differ(null, 'the view list', names(meta.views), [...(info.views ?? [])].sort());
  differ(null, 'the function list', [...new Set(names(meta.functions))], [...(info.functions ?? [])].sort());
  differ(null, 'the external catalog list', names(meta.catalogs), [...(info.catalogs ?? [])].sort());
  const users = meta.accounts && meta.accounts.users.map(identityText).sort();
  differ(null, 'the user list', users, info.users && [...info.users].sort());
  differ(null, 'the role list', meta.accounts && names(meta.accounts.roles), info.roles && [...info.roles].sort());
  const segments = segmentsOf(meta).map((s) => s.segment);
  const totals = { files: segments.length, bytes: sum(segments, 'size'), blobs: new Set(segments.map((s) => s.sha256)).size };
  differ(null, 'the totals', totals, { files: info.totals.files, bytes: info.totals.bytes, blobs: info.totals.blobs });
  return found;
}

function sum(segments: SnapshotSegment[], key: 'rows' | 'size'): number {
  return segments.reduce((n, s) => n + s[key], 0);
}
