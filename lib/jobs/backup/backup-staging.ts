import type { BackupJob } from '../../domain/control-types.ts';
import type { SnapshotMeta, SnapshotTable } from '../../domain/snapshot-types.ts';
import { layout } from '../../domain/repository-layout.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { readLines } from '../staging-lines.ts';
import { type TransferItem, stagingLines } from '../staging.ts';

/**
 * What SNAPSHOTING stages for the later backup phases, one line per item: `meta` is a header line (the
 * snapshot's small parts) followed by one SnapshotTable per line; `uploads` holds one `[path, sha256, size]`
 * line per distinct segment. Every reader streams them, so planning memory does not grow with the segments.
 */
export type MetaHeader = Required<Omit<SnapshotMeta, 'tables' | 'accounts'>> & Pick<SnapshotMeta, 'accounts'>;
export type UploadLine = [path: string, sha256: string, size: number];

export const backupStaging = {
  meta: (jobId: string) => stagingLines(jobId, 'meta'),
  uploads: (jobId: string) => stagingLines(jobId, 'uploads'),
} as const;

/** The staged metadata in one read: its header, then its tables' lines (JSON text) as they come. */
export async function readStagedMeta(store: ObjectStore, jobId: string): Promise<{ header: MetaHeader; tableLines: AsyncGenerator<string> }> {
  const lines = readLines(store, backupStaging.meta(jobId));
  const first = await lines.next();
  if (first.done) throw new Error(`staging document ${backupStaging.meta(jobId)} is empty`);
  return { header: JSON.parse(first.value) as MetaHeader, tableLines: lines };
}

export async function* metaTables(tableLines: AsyncIterable<string>): AsyncGenerator<SnapshotTable> {
  for await (const line of tableLines) yield JSON.parse(line) as SnapshotTable;
}

/**
 * The text of `JSON.stringify(meta)` in pieces, for the whole SnapshotMeta: same keys in the same order as
 * the object SNAPSHOTING would have built, so a reader's checksum of the parsed body matches.
 */
export async function* metaText(store: ObjectStore, jobId: string): AsyncGenerator<string> {
  const { header, tableLines } = await readStagedMeta(store, jobId);
  yield `{"database":${JSON.stringify(header.database)},"tables":[`;
  let tables = 0;
  for await (const line of tableLines) yield tables++ ? `,${line}` : line;
  const { views, functions, catalogs, accounts } = header;
  // Only a snapshot of users has `accounts`: every other snapshot's text stays byte for byte as before.
  const rest = accounts ? `,"accounts":${JSON.stringify(accounts)}` : '';
  yield `],"views":${JSON.stringify(views)},"functions":${JSON.stringify(functions)},"catalogs":${JSON.stringify(catalogs)}${rest}}`;
}

/** How many distinct segment files, and bytes, SNAPSHOTING planned to upload (all segments for an older job). */
export function plannedUploads(job: BackupJob): { files: number; bytes: number } {
  const blobs = job.backup.blobs;
  return blobs ? { files: blobs.count, bytes: blobs.bytes } : job.totals;
}

/** The distinct segment files of the snapshot as transfers into the repository's blobs. */
export async function* uploadItems(store: ObjectStore, jobId: string, repo: string): AsyncGenerator<TransferItem> {
  for await (const line of readLines(store, backupStaging.uploads(jobId))) {
    const [from, sha256, size] = JSON.parse(line) as UploadLine;
    yield { from, to: layout.blob(repo, sha256), sha256, size };
  }
}
