import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { sealPieces } from '../../domain/envelope.ts';
import { layout } from '../../domain/repository-layout.ts';
import { missingBlobs } from './missing-blobs.ts';
import { BackupState, JobType } from '../../domain/states.ts';
import type { JobRef, PlanOutput } from '../../domain/workflow.ts';
import type { ServiceContext } from '../service-context.ts';
import { blobStore } from '../../repository/blob-store.ts';
import { seenCollections } from '../../repository/seen-collections.ts';
import { openRepository } from '../../repository/repository-context.ts';
import { metaText, plannedUploads, uploadItems } from './backup-staging.ts';
import { advance, enterPhase, fence } from '../job-guard.ts';
import { type TransferItem, readStagingDoc, writeBatches, writeStagingDoc } from '../staging.ts';
import { JobCounter } from '../../domain/control-types.ts';

/**
 * UPLOAD_SNAPSHOT: finds the blobs the repository lacks (content addressing: a segment any earlier snapshot
 * uploaded is never sent again) and splits them into batch manifests for the UPLOADING fan-out.
 */
export async function uploadSnapshot(ctx: ServiceContext, { jobId }: JobRef): Promise<PlanOutput> {
  const { job, done } = await enterPhase(ctx, jobId, JobType.BACKUP, BackupState.UPLOAD_SNAPSHOT);
  if (done) return { jobId, batches: job.state === BackupState.UPLOADING ? await readStagingDoc(ctx.data, jobId, 'batches') : [] };
  const repo = await ctx.control.requireRepository(job.repo);
  const store = await openRepository(ctx, repo);
  // The metadata goes first: from now on it names every blob this snapshot needs, so a DROP SNAPSHOT
  // collecting garbage meanwhile keeps the blobs found present below. It is streamed from staging in its
  // checksum envelope (the checksum, computed on the way, follows the body), never held whole; replayably,
  // so an upload that fails half-way is streamed again from the start, with a fresh hash.
  await fence(ctx, job);
  const sealed = () => Readable.from(buffers(sealPieces(metaText(ctx.data, jobId), createHash('sha256'))));
  const { sha256, size } = await store.put(layout.meta(repo.name, job.label, job.timestamp), { open: sealed });
  // Looked for after `__meta` exists and before any blob is: see gc-markers.ts and seen-collections.ts.
  const collections = await seenCollections(store, repo);
  const seenAt = ctx.clock.now();
  const planned = plannedUploads(job);
  const toMove = { files: 0, bytes: 0 };
  const missing = counted(missingBlobs(blobStore(store, ctx.compressor), repo, uploadItems(ctx.data, jobId, repo.name), planned.files), toMove);
  const batches = await writeBatches(ctx.data, jobId, missing, planned, ctx.batch);
  await writeStagingDoc(ctx.data, jobId, 'batches', batches);
  await advance(ctx, job, BackupState.UPLOADING, (j) => {
    j.backup!.meta = { sha256, size };
    j.backup!.collectionSeen = collections.length > 0;
    if (collections.length) {
      j.backup!.collectionsSeen = collections;
      j.backup!.collectionsSeenAt = seenAt;
    }
    // What needs no upload (a blob the repository holds, a segment sharing another's blob) is done now, in
    // the same write as the state, so a re-run of this phase cannot count it twice: a finished job reads
    // files and bytes done equal to its totals. Upload rates are the moved bytes' alone (bin/progress-line.ts).
    const progress = { ...j.progress };
    progress[JobCounter.FILES_DONE] = (progress[JobCounter.FILES_DONE] ?? 0) + Math.max(0, j.totals.files - toMove.files);
    progress[JobCounter.BYTES_DONE] = (progress[JobCounter.BYTES_DONE] ?? 0) + Math.max(0, j.totals.bytes - toMove.bytes);
    j.progress = progress;
  });
  return { jobId, batches };
}

async function* counted(items: AsyncIterable<TransferItem>, into: { files: number; bytes: number }): AsyncGenerator<TransferItem> {
  for await (const item of items) {
    into.files++;
    into.bytes += item.size;
    yield item;
  }
}

async function* buffers(pieces: AsyncIterable<string>): AsyncGenerator<Buffer> {
  for await (const piece of pieces) yield Buffer.from(piece);
}

