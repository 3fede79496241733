import { layout } from '../domain/repository-layout.ts';
import type { SnapshotInfo, SnapshotMeta } from '../domain/snapshot-types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { segmentsOf } from './snapshot-checks.ts';
import { readRefs } from './snapshot-refs-file.ts';

/** Hashes named in a problem; the count says how many there are. */
const SHOWN = 3;

/**
 * The problems of `__refs_<ts>`, the blob index garbage collection reads instead of `__meta`
 * (snapshot-refs.ts), given the `__info` and `__meta` of the timestamp, both sound and matching. None is
 * fine (a snapshot of an earlier release). One that collection would not trust (damaged, or made from another
 * `__meta`) costs nothing, since collection then reads `__meta`, but says the repository was changed or damaged.
 * One it would trust that does not name exactly the blobs of `__meta` is the case that matters: a blob it
 * leaves out can be deleted by a DROP SNAPSHOT while this snapshot still needs it.
 */
export async function refsProblems(store: ObjectStore, repo: string, label: string, ts: string, info: SnapshotInfo, meta: SnapshotMeta): Promise<string[]> {
  const read = await readRefs(store, layout.refs(repo, label, ts), info);
  if (!read) return [];
  if ('problem' in read) return [`${read.problem}; garbage collection reads __meta instead`];
  const { refs } = read;
  const named = new Set(segmentsOf(meta).map((s) => s.segment.sha256));
  const listed = new Set<string>();
  for (let i = 0; i < refs.count; i++) listed.add(refs.hashes.toString('hex', i * 32, (i + 1) * 32));
  const lacking = [...named].filter((h) => !listed.has(h));
  const extra = [...listed].filter((h) => !named.has(h));
  const some = (hashes: string[]) => `${hashes.length} blob${hashes.length === 1 ? '' : 's'} (${hashes.slice(0, SHOWN).join(', ')}${hashes.length > SHOWN ? ', …' : ''})`;
  const remedy = 'delete the file, and garbage collection reads __meta';
  const problems: string[] = [];
  if (lacking.length) problems.push(`lacks ${some(lacking)} that __meta names: garbage collection trusts this file and could delete ${lacking.length === 1 ? 'it' : 'them'}; ${remedy}`);
  if (extra.length) problems.push(`names ${some(extra)} that __meta does not, kept while this snapshot exists; ${remedy}`);
  return problems;
}
