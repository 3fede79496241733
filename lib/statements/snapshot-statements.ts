import { AnalysisError, NotFoundError, errorMessage } from '../domain/errors.ts';
import { checkName } from '../domain/names.ts';
import type { Expr, StatementOf } from '../sql/ast.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type Column, type ResultSet, columns, ok } from './result-set.ts';
import { openRepository } from '../repository/repository-context.ts';
import { removeSnapshot } from '../repository/remove-snapshot.ts';
import { collectGarbage } from '../repository/snapshot-gc.ts';
import { readInfo } from '../repository/snapshot-reader.ts';
import { listSnapshots } from '../repository/snapshot-list.ts';
import { type FileFinding, verifySnapshotFiles } from '../repository/verify-snapshot.ts';
import { blobStore } from '../repository/blob-store.ts';
import { Compression } from '../domain/compression.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { timeString } from '../domain/time-format.ts';

const WHERE_HELP = "Where clause should looks like: SNAPSHOT = 'your_snapshot_name' [AND TIMESTAMP = '2018-04-18-19-19-10']";

interface SnapshotFilter {
  names?: string[];
  timestamp?: string;
}

/**
 * The WHERE forms StarRocks accepts (ShowSnapshotAnalyzer, 3.x/4.x): `SNAPSHOT = 's'`, `TIMESTAMP = 't'`
 * and an AND of two of those (the later one of a column wins), or `SNAPSHOT IN ('a', …)`, whose empty
 * strings are skipped. An empty value, a TIMESTAMP without a SNAPSHOT, or any other form gets the help text;
 * an IN on another column or with a non-string value gets its own message. Ours is stricter in two places
 * StarRocks lets through unfiltered: a comparison other than `=`, and NOT IN, get the help text too.
 */
function snapshotFilter(where: Expr | undefined): SnapshotFilter {
  if (!where) return {};
  if (where.kind === 'in' && !where.negated) {
    if (where.operand.kind !== 'column' || where.operand.name.toUpperCase() !== 'SNAPSHOT') throw new AnalysisError('Left expr of should be snapshot');
    const names = where.values.map((v) => {
      if (v.kind !== 'literal' || v.type !== 'string') throw new AnalysisError('Child of in predicate should be string value');
      return v.value;
    });
    const given = names.filter((n) => n !== '');
    return given.length ? { names: given } : {};
  }
  const out: { name?: string; timestamp?: string } = {};
  const sub = (e: Expr): boolean => {
    if (e.kind !== 'compare' || e.op !== '=' || e.left.kind !== 'column') return false;
    if (e.right.kind !== 'literal' || e.right.type !== 'string' || e.right.value === '') return false;
    const col = e.left.name.toUpperCase();
    if (col === 'SNAPSHOT') out.name = e.right.value;
    else if (col === 'TIMESTAMP') out.timestamp = e.right.value;
    else return false;
    return true;
  };
  const ok = where.kind === 'and' ? sub(where.left) && sub(where.right) : sub(where);
  if (!ok || out.name === undefined) throw new AnalysisError(WHERE_HELP);
  return { names: [out.name], ...(out.timestamp === undefined ? {} : { timestamp: out.timestamp }) };
}

/** SHOW SNAPSHOT reads the repository itself, the source of truth, so snapshots of other clusters show too. */
export async function showSnapshot(ctx: ServiceContext, s: StatementOf<'ShowSnapshot'>): Promise<ResultSet> {
  // The repository first, then the WHERE clause, with the analyzer's bracketed message.
  const repo = await ctx.control.getRepository(s.repo);
  if (!repo) throw new NotFoundError(`Repository [${s.repo}] does not exist`);
  const filter = snapshotFilter(s.where);
  const store = await openRepository(ctx, repo);
  if (filter.timestamp !== undefined) {
    const label = filter.names![0]!;
    try {
      return SNAPSHOT_DETAIL.of([{ label, timestamp: filter.timestamp, info: await readInfo(store, repo, label, filter.timestamp), status: 'OK' }]);
    } catch (e) {
      return SNAPSHOT_DETAIL.of([{ label, timestamp: filter.timestamp, status: `Failed to get info: ${errorMessage(e)}` }]);
    }
  }
  const listed = new Map((await listSnapshots(store, repo, filter.names)).map((l) => [l.label, l]));
  for (const n of filter.names ?? []) if (!listed.has(n)) listed.set(n, { label: n, timestamps: [] });
  const entries = [...listed.values()].filter(({ label }) => !filter.names || filter.names.includes(label)).sort((a, b) => a.label.localeCompare(b.label));
  const shown: ShownSnapshot[] = entries.map((l): ShownSnapshot => {
    if (!l.timestamps.length) return { label: l.label, timestamp: null, status: 'ERROR: no snapshot' };
    const timestamp = l.timestamps.join('\n');
    // A snapshot whose info cannot be read is listed, never as OK.
    return l.info ? { label: l.label, timestamp, info: l.info, status: 'OK' } : { label: l.label, timestamp, status: `ERROR: Failed to get info: ${l.error}` };
  });
  return SNAPSHOT_LIST.of(shown);
}

/** A row of SHOW SNAPSHOT: the label, its timestamp(s), and its `__info` when it could be read. */
interface ShownSnapshot {
  label: string;
  timestamp: string | null;
  status: string;
  info?: SnapshotInfo;
}

/** StarRocks 4.2's snapshot lifecycle columns, NULL when the info could not be read. */
const LIFECYCLE: Column<ShownSnapshot>[] = [
  ['ClusterId', ({ info }) => info?.cluster_id ?? null],
  ['FinishTime', ({ info }) => timeString(info?.finish_time)],
  ['TTL', ({ info }) => info?.ttl ?? null],
  ['ExpireTime', ({ info }) => timeString(info?.expire_time)],
];

const SNAPSHOT_LIST = columns<ShownSnapshot>([
  ['Snapshot', (x) => x.label],
  ['Timestamp', (x) => x.timestamp],
  ['Status', (x) => x.status],
  ...LIFECYCLE,
]);

/** With a timestamp: the database and the details of that one snapshot. */
const SNAPSHOT_DETAIL = columns<ShownSnapshot>([
  ['Snapshot', (x) => x.label],
  ['Timestamp', (x) => x.timestamp],
  ['Database', ({ info }) => info?.database ?? null],
  ['Details', ({ info }) => (info ? JSON.stringify(details(info), null, 1) : null)],
  ['Status', (x) => x.status],
  ...LIFECYCLE,
]);

function details(info: SnapshotInfo) {
  return {
    database: info.database, backup_time: info.backup_time, backup_objects: brief(info.backup_objects),
    ...(info.views?.length ? { views: info.views } : {}), ...(info.functions?.length ? { functions: info.functions } : {}),
    ...(info.materialized_views?.length ? { materialized_views: info.materialized_views } : {}), ...(info.catalogs?.length ? { catalogs: info.catalogs } : {}),
    ...(info.users ? { users: info.users, roles: info.roles ?? [] } : {}),
    // Ours: how the blobs this snapshot uploaded are stored, when compressed.
    ...(info.compression && info.compression !== Compression.NONE ? { compression: info.compression } : {}),
  };
}

function brief(objects: Record<string, { partitions: Record<string, unknown> }>) {
  return Object.fromEntries(Object.entries(objects).map(([t, o]) => [t, { partitions: Object.fromEntries(Object.keys(o.partitions).map((p) => [p, {}])) }]));
}

/**
 * DROP SNAPSHOT s ON r [FORCE] (StarRocks 4.2): refused while a job uses the snapshot, and, without
 * FORCE, for a snapshot another cluster made. The `__info` files go first, so the snapshot stops existing
 * at once; then its other files; then every blob no remaining snapshot needs.
 */
export async function dropSnapshot(ctx: ServiceContext, s: StatementOf<'DropSnapshot'>): Promise<ResultSet> {
  const repo = await ctx.control.getRepository(s.repo);
  if (!repo) throw new NotFoundError(`Repository ${s.repo} does not exist`);
  if (repo.readOnly) throw new AnalysisError(`Repository ${repo.name} is read only`);
  await removeSnapshot(ctx, repo, s.snapshot, s.force);
  return ok();
}

/**
 * ADMIN CLEAN REPOSITORY r: the garbage collection of DROP SNAPSHOT without dropping anything, for the
 * blobs a cancelled or killed backup uploaded (its `__meta` is removed when it is rolled back, so nothing
 * names them any more). Under the same rules: a blob goes only if no `__meta` names it, a backup still
 * running included, and nothing goes while a `__meta` cannot be read. Answers how many blobs went.
 */
export async function cleanRepository(ctx: ServiceContext, s: StatementOf<'AdminCleanRepository'>): Promise<ResultSet> {
  const repo = await ctx.control.getRepository(s.repo);
  if (!repo) throw new NotFoundError(`Repository ${s.repo} does not exist`);
  if (repo.readOnly) throw new AnalysisError(`Repository ${repo.name} is read only`);
  const collected = await collectGarbage(await openRepository(ctx, repo), repo, ctx.clock);
  return CLEAN_RESULT.of([{ collected }]);
}

const CLEAN_RESULT = columns<{ collected: number }>([['CollectedBlobs', (x) => String(x.collected)]]);

/** ADMIN VERIFY SNAPSHOT: one row per finding (a sound timestamp has one, with Problem OK). */
const VERIFY_RESULT = columns<FileFinding & { label: string; timestamp: string }>([
  ['Snapshot', (x) => x.label],
  ['Timestamp', (x) => x.timestamp],
  ['Object', (x) => x.object],
  ['File', (x) => x.file],
  ['Problem', (x) => x.problem],
]);

/**
 * ADMIN VERIFY SNAPSHOT s ON r [PROPERTIES ("backup_timestamp" = "…", "read_data" = "true")]: checks each
 * timestamp of the snapshot (or the one given): `__info` and `__meta` exist and pass their checksums, the
 * metadata matches the info, and every blob it names exists with the right size; with read_data, every
 * blob is read back and its sha256 checked. One row per problem, or one OK row per sound timestamp.
 */
export async function verifySnapshot(ctx: ServiceContext, s: StatementOf<'AdminVerifySnapshot'>): Promise<ResultSet> {
  const { timestamp, readData } = verifyProperties(s.properties);
  const repo = await ctx.control.requireRepository(s.repo);
  const label = checkName('Snapshot', s.snapshot);
  const store = await openRepository(ctx, repo);
  const checked = await verifySnapshotFiles(blobStore(store, ctx.compressor), repo, label, timestamp, readData);
  return VERIFY_RESULT.of(checked.flatMap(({ timestamp: ts, findings }) =>
    (findings.length ? findings : [{ object: null, file: null, problem: 'OK' }]).map((f) => ({ ...f, label, timestamp: ts }))));
}

function verifyProperties(props: Record<string, string>): { timestamp?: string; readData: boolean } {
  const extra = Object.keys(props).filter((k) => k !== 'backup_timestamp' && k !== 'read_data');
  if (extra.length) throw new AnalysisError(`Unknown verify snapshot properties: [${extra.join(', ')}]`);
  const read = props.read_data?.toLowerCase();
  if (read !== undefined && read !== 'true' && read !== 'false') throw new AnalysisError(`Invalid read_data value: ${props.read_data}. It must be true or false`);
  return { ...(props.backup_timestamp === undefined ? {} : { timestamp: props.backup_timestamp }), readData: read === 'true' };
}
