import { errorMessage } from '../domain/errors.ts';
import { mapBounded } from '../domain/map-bounded.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { parseSnapshotKey, repoRoot } from '../domain/repository-layout.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { readInfo } from './snapshot-reader.ts';

const INFO_READS_AT_ONCE = 16;

/** One label of a repository: its `__info` timestamps, oldest first, and the newest one's `__info` or why it cannot be read. */
export interface ListedSnapshot {
  label: string;
  timestamps: string[];
  info?: SnapshotInfo;
  error?: string;
}

/**
 * The snapshots a repository holds, read from the repository itself (the source of truth, so those of other
 * clusters are listed too), sorted by label. A label with no `__info` (a leftover `__meta`) has no timestamps;
 * one whose newest `__info` does not read or validate carries the reason instead of the info. `only` keeps
 * those labels alone (SHOW SNAPSHOT … WHERE SNAPSHOT = …), so the other labels' `__info` are not read.
 */
export async function listSnapshots(store: ObjectStore, repo: RepositoryRecord, only?: readonly string[]): Promise<ListedSnapshot[]> {
  const labels = new Map<string, string[]>();
  for await (const o of store.list(`${repoRoot(repo.name)}/__ss_`)) {
    const k = parseSnapshotKey(repo.name, o.key);
    if (!k || (only && !only.includes(k.label))) continue;
    const stamps = labels.get(k.label) ?? [];
    if (k.file.startsWith('__info_')) stamps.push(k.file.slice('__info_'.length));
    labels.set(k.label, stamps);
  }
  // Each label's newest `__info` is one small read: they go out together, a few at a time, so listing a
  // long history costs round trips divided by the concurrency rather than one after another.
  const sorted = [...labels.entries()].sort(([a], [b]) => a.localeCompare(b));
  return mapBounded(sorted, INFO_READS_AT_ONCE, async ([label, stamps]): Promise<ListedSnapshot> => {
    stamps.sort();
    const newest = stamps.at(-1);
    if (newest === undefined) return { label, timestamps: [] };
    try {
      return { label, timestamps: stamps, info: await readInfo(store, repo, label, newest) };
    } catch (e) {
      return { label, timestamps: stamps, error: errorMessage(e) };
    }
  });
}
