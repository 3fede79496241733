import { AnalysisError } from '../domain/errors.ts';
import type { BatchRef } from '../domain/workflow.ts';
import { getJson, listAll, putJson } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * A job's working files in the cluster's data store: its plan and the batch manifests the Map iterates
 * over. Everything under `staging/<jobId>/` is removed when the job ends, however it ends.
 */
export interface TransferItem {
  from: string;
  to: string;
  sha256: string;
  size: number;
}

export const staging = {
  dir: (jobId: string) => `staging/${jobId}/`,
  doc: (jobId: string, name: string) => `staging/${jobId}/${name}.json`,
  batch: (jobId: string, i: number) => `staging/${jobId}/batch-${String(i).padStart(5, '0')}.json`,
} as const;

export async function writeStagingDoc(store: ObjectStore, jobId: string, name: string, value: unknown): Promise<void> {
  await putJson(store, staging.doc(jobId, name), value);
}

export async function readStagingDoc<T>(store: ObjectStore, jobId: string, name: string): Promise<T> {
  return getJson<T>(store, staging.doc(jobId, name));
}

/**
 * Splits transfers into batches of about `maxFiles` files or `maxBytes` bytes, written as they fill, so the
 * state payload (one small reference per batch) and the memory stay bounded whatever the number of files.
 * `bound` is at least what `items` holds (all of it, before filtering): scaling the batch size by it keeps
 * the count near `maxBatches`.
 */
export async function writeBatches(
  store: ObjectStore, jobId: string, items: Iterable<TransferItem> | AsyncIterable<TransferItem>,
  bound: { files: number; bytes: number }, limits: { maxFiles: number; maxBytes: number; maxBatches: number },
): Promise<BatchRef[]> {
  const maxFiles = Math.max(limits.maxFiles, Math.ceil(bound.files / limits.maxBatches));
  const maxBytes = Math.max(limits.maxBytes, Math.ceil(bound.bytes / limits.maxBatches));
  const refs: BatchRef[] = [];
  let cur: TransferItem[] = [];
  let bytes = 0;
  const flush = async () => {
    const ref = staging.batch(jobId, refs.length);
    await putJson(store, ref, cur);
    refs.push({ ref, files: cur.length, bytes });
    cur = [];
    bytes = 0;
  };
  for await (const item of items) {
    if (cur.length && (cur.length >= maxFiles || bytes + item.size > maxBytes)) await flush();
    cur.push(item);
    bytes += item.size;
  }
  if (cur.length) await flush();
  return refs;
}

export async function readBatch(store: ObjectStore, jobId: string, ref: BatchRef): Promise<TransferItem[]> {
  // A reference comes from the execution input; refuse one outside this job's staging area.
  if (!ref.ref.startsWith(staging.dir(jobId)) || ref.ref.includes('..')) throw new AnalysisError(`Invalid batch reference: ${ref.ref}`);
  return getJson<TransferItem[]>(store, ref.ref);
}

export async function clearStaging(store: ObjectStore, jobId: string): Promise<void> {
  for (const key of await listAll(store, staging.dir(jobId))) await store.delete(key);
}

/** A line-per-item staging document (see staging-lines.ts). */
export function stagingLines(jobId: string, name: string): string {
  return `${staging.dir(jobId)}${name}.ndjson`;
}
