import { AnalysisError, PlanTooLargeError } from '../domain/errors.ts';
import { type BatchRef, MAX_STATE_PAYLOAD_BYTES } from '../domain/workflow.ts';
import { getJson, listAll, putJson } from '../ports/object-io.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { BATCH_CAP, type BatchLimits } from './service-context.ts';
import { DEFAULT_PHASE_WORKERS, mapBounded } from './bounded.ts';

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
 * Splits transfers into batches, written as they fill, so the memory stays bounded whatever the number of
 * files. A batch holds `limits.maxFiles` files or `limits.maxBytes` bytes, widened for a large job to keep
 * the count near `limits.maxBatches` but never past BATCH_CAP, what one invocation moves in good time.
 * `bound` is at least what `items` holds (all of it, before filtering). The references returned are the
 * plan's output, a state payload: a job needing more of them than fit fails here, before any transfer.
 */
export async function writeBatches(
  store: ObjectStore, jobId: string, items: Iterable<TransferItem> | AsyncIterable<TransferItem>,
  bound: { files: number; bytes: number }, limits: BatchLimits,
): Promise<BatchRef[]> {
  const maxFiles = Math.min(BATCH_CAP.files, Math.max(limits.maxFiles, Math.ceil(bound.files / limits.maxBatches)));
  const maxBytes = Math.min(BATCH_CAP.bytes, Math.max(limits.maxBytes, Math.ceil(bound.bytes / limits.maxBatches)));
  const most = maxBatchRefs(jobId);
  const refs: BatchRef[] = [];
  let cur: TransferItem[] = [];
  let bytes = 0;
  const flush = async () => {
    if (refs.length >= most) throw planTooLarge(jobId, bound, most);
    await putJson(store, staging.batch(jobId, refs.length), cur);
    refs.push(refs.length);
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

/**
 * Room kept in the state for what joins the plan's output: the Map's Catch puts a failed batch's error
 * (its message, in Lambda's Cause JSON) at `$.error` of that same state before CANCEL runs.
 */
export const PAYLOAD_HEADROOM_BYTES = 16 * 1024;

/** How many batch references the plan's output `{"jobId": …, "batches": [0, 1, …]}` can hold. */
export function maxBatchRefs(jobId: string): number {
  let room = MAX_STATE_PAYLOAD_BYTES - PAYLOAD_HEADROOM_BYTES - Buffer.byteLength(JSON.stringify({ jobId, batches: [] }));
  let n = 0;
  // References are 0, 1, 2, …: each costs its digits and a comma.
  for (let digits = 1, below = 10; room > 0; digits++, below *= 10) {
    const fit = Math.min(below - n, Math.floor(room / (digits + 1)));
    n += fit;
    room -= fit * (digits + 1);
    if (n < below) break;
  }
  return n;
}

function planTooLarge(jobId: string, bound: { files: number; bytes: number }, most: number): PlanTooLargeError {
  return new PlanTooLargeError(
    `Job ${jobId} has up to ${sizeText(bound.bytes)} in ${bound.files} files to move: more than ${most} batches of at most ` +
    `${sizeText(BATCH_CAP.bytes)} or ${BATCH_CAP.files} files, as many as fit in a Step Functions state (${MAX_STATE_PAYLOAD_BYTES / 1024} KiB); ` +
    'back up or restore the database in parts, a few tables (ON (TABLE …)) or partitions at a time',
  );
}

function sizeText(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
  return `${i === 0 ? bytes : bytes.toFixed(1)} ${units[i]}`;
}

export async function readBatch(store: ObjectStore, jobId: string, ref: BatchRef): Promise<TransferItem[]> {
  // A reference comes from the execution input: a batch number, nothing that could name another file.
  if (!Number.isSafeInteger(ref) || ref < 0) throw new AnalysisError(`Invalid batch reference: ${JSON.stringify(ref)}`);
  return getJson<TransferItem[]>(store, staging.batch(jobId, ref));
}

/** Deletes a job's staging, `workers` files at once (release_snapshot_worker_count). */
export async function clearStaging(store: ObjectStore, jobId: string, workers: number = DEFAULT_PHASE_WORKERS): Promise<void> {
  await mapBounded(await listAll(store, staging.dir(jobId)), workers, (key) => store.delete(key));
}

/** A line-per-item staging document (see staging-lines.ts). */
export function stagingLines(jobId: string, name: string): string {
  return `${staging.dir(jobId)}${name}.ndjson`;
}
