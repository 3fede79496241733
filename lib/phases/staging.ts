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
 * Splits transfers into at most `maxBatches` batches of about `maxFiles` files or `maxBytes` bytes, so the
 * state payload (one small reference per batch) stays bounded whatever the number of files.
 */
export async function writeBatches(
  store: ObjectStore, jobId: string, items: TransferItem[], limits: { maxFiles: number; maxBytes: number; maxBatches: number },
): Promise<BatchRef[]> {
  const totalBytes = items.reduce((n, i) => n + i.size, 0);
  const maxFiles = Math.max(limits.maxFiles, Math.ceil(items.length / limits.maxBatches));
  const maxBytes = Math.max(limits.maxBytes, Math.ceil(totalBytes / limits.maxBatches));
  const groups: TransferItem[][] = [];
  let cur: TransferItem[] = [];
  let bytes = 0;
  for (const item of items) {
    if (cur.length && (cur.length >= maxFiles || bytes + item.size > maxBytes)) {
      groups.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(item);
    bytes += item.size;
  }
  if (cur.length) groups.push(cur);
  const refs: BatchRef[] = [];
  for (const [i, g] of groups.entries()) {
    const ref = staging.batch(jobId, i);
    await putJson(store, ref, g);
    refs.push({ ref, files: g.length, bytes: g.reduce((n, x) => n + x.size, 0) });
  }
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
