import { IntegrityError, NotFoundError } from '../../domain/errors.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { readLines } from '../staging-lines.ts';
import { type TransferItem, readStagingDoc, stagingLines } from '../staging.ts';
import type { RestoreDownload } from './restore-plan.ts';

/**
 * DOWNLOAD's segment paths, staged one line per restored partition (in the snapshot's order), so neither the
 * planning phase nor its readers hold every segment of every table as one document or one string.
 */
export type DownloadPartition = RestoreDownload['tables'][number]['partitions'][number] & { table: string };

export const downloadKey = (jobId: string) => stagingLines(jobId, 'download');

/**
 * The staged partitions, one at a time. A job planned before the lines existed staged one `download`
 * document; it is read whole, as it was written. Neither staged: NotFoundError, as for any absent staging.
 */
export async function* readDownload(store: ObjectStore, jobId: string): AsyncGenerator<DownloadPartition> {
  const key = downloadKey(jobId);
  let n = 0;
  try {
    for await (const line of readLines(store, key)) {
      n++;
      yield parsePartition(line, key, n);
    }
  } catch (e) {
    if (!(e instanceof NotFoundError) || n > 0) throw e;
    const doc = await readStagingDoc<RestoreDownload>(store, jobId, 'download');
    for (const t of doc.tables) for (const p of t.partitions) yield { table: t.name, ...p };
  }
}

function parsePartition(line: string, key: string, n: number): DownloadPartition {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new IntegrityError(`Restore staging ${key} is corrupt: line ${n} is not valid JSON`);
  }
  const p = v as DownloadPartition;
  if (!p || typeof p !== 'object' || typeof p.table !== 'string' || typeof p.targetId !== 'string' || !Array.isArray(p.tablets)) {
    throw new IntegrityError(`Restore staging ${key} is corrupt: line ${n} is not a partition's segments`);
  }
  return p;
}

/** DOWNLOAD's copies, one line each (`[to, sha256, size]`), read back to be split into batches. */
export const transfersKey = (jobId: string) => stagingLines(jobId, 'transfers');

export async function* readTransfers(store: ObjectStore, jobId: string, from: (sha256: string) => string): AsyncGenerator<TransferItem> {
  const key = transfersKey(jobId);
  let n = 0;
  for await (const line of readLines(store, key)) {
    n++;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new IntegrityError(`Restore staging ${key} is corrupt: line ${n} is not valid JSON`);
    }
    if (!Array.isArray(v) || v.length !== 3 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || typeof v[2] !== 'number') {
      throw new IntegrityError(`Restore staging ${key} is corrupt: line ${n} is not a copy [to, sha256, size]`);
    }
    const [to, sha256, size] = v as [string, string, number];
    yield { from: from(sha256), to, sha256, size };
  }
}
