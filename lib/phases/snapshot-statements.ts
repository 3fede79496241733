import { AnalysisError, errorMessage } from '../domain/errors.ts';
import { parseSnapshotKey, repoRoot } from '../domain/repository-layout.ts';
import type { Expr, StatementOf } from '../sql/ast.ts';
import { type ServiceContext, openRepository } from './context.ts';
import { type ResultSet, table } from './result-set.ts';
import { readInfo } from './snapshot-reader.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { timeString } from '../domain/time-format.ts';

const WHERE_HELP = "Where clause should looks like: SNAPSHOT = 'your_snapshot_name' [AND TIMESTAMP = '2018-04-18-19-19-10']";

interface SnapshotFilter {
  names?: string[];
  timestamp?: string;
}

/** The WHERE forms StarRocks accepts (ShowSnapshotAnalyzer); anything else gets its help text. */
function snapshotFilter(where: Expr | undefined): SnapshotFilter {
  if (!where) return {};
  const str = (e: Expr) => (e.kind === 'literal' && e.type === 'string' ? e.value : undefined);
  const eq = (e: Expr, col: string) =>
    e.kind === 'compare' && e.op === '=' && e.left.kind === 'column' && e.left.name.toUpperCase() === col ? str(e.right) : undefined;
  const single = eq(where, 'SNAPSHOT');
  if (single !== undefined) return { names: [single] };
  if (where.kind === 'in' && !where.negated && where.operand.kind === 'column' && where.operand.name.toUpperCase() === 'SNAPSHOT') {
    const names = where.values.map(str);
    if (names.some((n) => n === undefined)) throw new AnalysisError('Child of in predicate should be string value');
    return { names: names as string[] };
  }
  if (where.kind === 'and') {
    for (const [a, b] of [[where.left, where.right], [where.right, where.left]] as const) {
      const name = eq(a, 'SNAPSHOT'), ts = eq(b, 'TIMESTAMP');
      if (name !== undefined && ts !== undefined) return { names: [name], timestamp: ts };
    }
  }
  throw new AnalysisError(WHERE_HELP);
}

/** SHOW SNAPSHOT reads the repository itself, the source of truth, so snapshots of other clusters show too. */
export async function showSnapshot(ctx: ServiceContext, s: StatementOf<'ShowSnapshot'>): Promise<ResultSet> {
  const filter = snapshotFilter(s.where);
  const repo = await ctx.control.requireRepository(s.repo);
  const store = await openRepository(ctx, repo);
  if (filter.timestamp !== undefined) {
    const label = filter.names![0]!;
    const columns = ['Snapshot', 'Timestamp', 'Database', 'Details', 'Status', ...LIFECYCLE];
    try {
      const info = await readInfo(store, repo, label, filter.timestamp);
      const details = {
        database: info.database, backup_time: info.backup_time, backup_objects: brief(info.backup_objects),
        ...(info.views?.length ? { views: info.views } : {}), ...(info.functions?.length ? { functions: info.functions } : {}),
        ...(info.materialized_views?.length ? { materialized_views: info.materialized_views } : {}), ...(info.catalogs?.length ? { catalogs: info.catalogs } : {}),
      };
      return table(columns, [[label, filter.timestamp, info.database, JSON.stringify(details, null, 1), 'OK', ...lifecycle(info)]]);
    } catch (e) {
      return table(columns, [[label, filter.timestamp, null, null, `Failed to get info: ${errorMessage(e)}`, null, null, null, null]]);
    }
  }
  const labels = new Map<string, string[]>();
  for await (const o of store.list(`${repoRoot(repo.name)}/__ss_`)) {
    const k = parseSnapshotKey(repo.name, o.key);
    if (!k) continue;
    const stamps = labels.get(k.label) ?? [];
    if (k.file.startsWith('__info_')) stamps.push(k.file.slice('__info_'.length));
    labels.set(k.label, stamps);
  }
  for (const n of filter.names ?? []) if (!labels.has(n)) labels.set(n, []);
  const entries = [...labels.entries()].filter(([label]) => !filter.names || filter.names.includes(label)).sort(([a], [b]) => a.localeCompare(b));
  const rows = [];
  for (const [label, stamps] of entries) {
    if (!stamps.length) {
      rows.push([label, null, 'ERROR: no snapshot', null, null, null, null]);
      continue;
    }
    stamps.sort();
    try {
      const info = await readInfo(store, repo, label, stamps[stamps.length - 1]!);
      rows.push([label, stamps.join('\n'), 'OK', ...lifecycle(info)]);
    } catch (e) {
      // A snapshot whose info cannot be read is listed, never as OK.
      rows.push([label, stamps.join('\n'), `ERROR: Failed to get info: ${errorMessage(e)}`, null, null, null, null]);
    }
  }
  return table(['Snapshot', 'Timestamp', 'Status', ...LIFECYCLE], rows);
}

/** StarRocks 4.2's snapshot lifecycle columns. */
const LIFECYCLE = ['ClusterId', 'FinishTime', 'TTL', 'ExpireTime'];

function lifecycle(info: SnapshotInfo): (string | null)[] {
  return [info.cluster_id ?? null, timeString(info.finish_time), info.ttl ?? null, timeString(info.expire_time)];
}

function brief(objects: Record<string, { partitions: Record<string, unknown> }>) {
  return Object.fromEntries(Object.entries(objects).map(([t, o]) => [t, { partitions: Object.fromEntries(Object.keys(o.partitions).map((p) => [p, {}])) }]));
}
