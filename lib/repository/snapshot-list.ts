import { errorMessage } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { parseSnapshotKey, repoRoot } from '../domain/repository-layout.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { readInfo } from './snapshot-reader.ts';

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
 * one whose newest `__info` does not read or validate carries the reason instead of the info.
 */
export async function listSnapshots(store: ObjectStore, repo: RepositoryRecord): Promise<ListedSnapshot[]> {
  const labels = new Map<string, string[]>();
  for await (const o of store.list(`${repoRoot(repo.name)}/__ss_`)) {
    const k = parseSnapshotKey(repo.name, o.key);
    if (!k) continue;
    const stamps = labels.get(k.label) ?? [];
    if (k.file.startsWith('__info_')) stamps.push(k.file.slice('__info_'.length));
    labels.set(k.label, stamps);
  }
  const out: ListedSnapshot[] = [];
  for (const [label, stamps] of [...labels.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    stamps.sort();
    const newest = stamps.at(-1);
    if (newest === undefined) {
      out.push({ label, timestamps: [] });
      continue;
    }
    try {
      out.push({ label, timestamps: stamps, info: await readInfo(store, repo, label, newest) });
    } catch (e) {
      out.push({ label, timestamps: stamps, error: errorMessage(e) });
    }
  }
  return out;
}
