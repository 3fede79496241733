import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, type S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Semaphore } from '../limited-object-store.ts';
import type { S3DirectRequests } from './s3-direct-requests.ts';
import { putWithSha256 } from './s3-single-put.ts';

/**
 * Part-sized buffers (a part of a multipart upload, or a whole object read for one PutObject) the process
 * holds at once, whatever the number of uploads: memory stays at about this many parts however many
 * segments a backup sends together. Four: the four transfers of a backup each have one part on the way.
 */
export const partBuffers = new Semaphore(4);

/**
 * The multipart uploads' part buffers, kept for the next part rather than left to the garbage collector:
 * a fresh 8 MiB buffer per part made a backup of 50 MB segments peak at ~240 MB of RSS, the freed ones
 * waiting for a collection. At most partBuffers.limit of them exist.
 */
const spare: Buffer[] = [];
export const takePartBuffer = (size: number) => {
  const b = spare.pop();
  return b && b.length >= size ? b.subarray(0, size) : Buffer.allocUnsafeSlow(size);
};
export const givePartBuffer = (b: Buffer) => {
  if (spare.length < partBuffers.limit) spare.push(Buffer.from(b.buffer, b.byteOffset, b.buffer.byteLength - b.byteOffset));
};

export interface UploadTarget {
  client: S3Client;
  direct: S3DirectRequests;
  Bucket: string;
  Key: string;
  partSize: number;
  /** Parts of one upload on the way at once (each also needs one of the process's partBuffers). */
  queueSize: number;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Uploads a stream of unknown or large size: a body that ends within its first part goes in one PutObject,
 * anything longer as a multipart upload whose parts are read into a buffer each (no joining of chunks),
 * signed with their sha256 and sent as direct requests (the SDK's UploadPart when one is declined). The
 * body's own failure, or its sha256 mismatch (HashingStream fails at its end), is thrown before
 * CompleteMultipartUpload, and the upload is aborted.
 */
export async function uploadStream(t: UploadTarget, body: Readable): Promise<void> {
  const reader = new PartReader(body[Symbol.asyncIterator](), t.partSize);
  let release = await partBuffers.acquire();
  let first;
  try {
    first = await reader.next();
    if (!first || first.last) {
      const bytes = first?.bytes ?? Buffer.alloc(0);
      const sha256 = sha256Of(bytes);
      if (!(await t.direct.put(t.Key, bytes, sha256))) await putWithSha256(t.client, t.Bucket, t.Key, bytes, sha256);
      if (first) givePartBuffer(first.bytes);
      return;
    }
  } finally {
    if (!first || first.last) release();
  }
  const { UploadId } = await t.client.send(new CreateMultipartUploadCommand({ Bucket: t.Bucket, Key: t.Key })).catch((e: unknown) => {
    release();
    throw e;
  });
  const parts: { PartNumber: number; ETag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const send = (PartNumber: number, bytes: Buffer, done: () => void) => {
    const sending = sendPart(t, UploadId!, PartNumber, bytes)
      .then((ETag) => { parts[PartNumber - 1] = { PartNumber, ETag }; }, (error: unknown) => { failure ??= { error }; })
      .finally(() => {
        givePartBuffer(bytes);
        done();
        inFlight.delete(sending);
      });
    inFlight.add(sending);
  };
  try {
    send(1, first.bytes, release);
    for (let PartNumber = 2; !failure; PartNumber++) {
      while (inFlight.size >= Math.max(1, t.queueSize) && !failure) await Promise.race(inFlight);
      if (failure) break;
      release = await partBuffers.acquire();
      const part = await reader.next().catch((e: unknown) => { release(); throw e; });
      if (!part) {
        release();
        break;
      }
      send(PartNumber, part.bytes, release);
    }
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    await t.client.send(new CompleteMultipartUploadCommand({ Bucket: t.Bucket, Key: t.Key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await Promise.all(inFlight);
    // Best effort: without it the parts linger until a lifecycle rule removes them, invisible to readers.
    await t.client.send(new AbortMultipartUploadCommand({ Bucket: t.Bucket, Key: t.Key, UploadId })).catch(() => undefined);
    throw err;
  }
}

async function sendPart(t: UploadTarget, UploadId: string, PartNumber: number, bytes: Buffer): Promise<string> {
  const direct = await t.direct.uploadPart(t.Key, UploadId, PartNumber, bytes, sha256Of(bytes));
  if (direct) return direct;
  const out = await t.client.send(new UploadPartCommand({ Bucket: t.Bucket, Key: t.Key, UploadId, PartNumber, Body: bytes, ContentLength: bytes.length }));
  return out.ETag!;
}

/** Reads a body in parts of `size` bytes (the last one shorter), each copied once into a buffer of its own. */
class PartReader {
  private pending?: Buffer;
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer | string>, private readonly size: number) {}

  /** The next part and whether the body ended with it; undefined when nothing is left. */
  async next(): Promise<{ bytes: Buffer; last: boolean } | undefined> {
    const part = takePartBuffer(this.size);
    let filled = 0;
    while (filled < this.size && !(this.ended && !this.pending)) {
      let chunk = this.pending;
      this.pending = undefined;
      if (!chunk) {
        const r = await this.chunks.next();
        if (r.done) {
          this.ended = true;
          break;
        }
        chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
      }
      const take = Math.min(chunk.length, this.size - filled);
      chunk.copy(part, filled, 0, take);
      filled += take;
      if (take < chunk.length) this.pending = chunk.subarray(take);
    }
    if (filled === 0) {
      givePartBuffer(part);
      return undefined;
    }
    return { bytes: filled === this.size ? part : part.subarray(0, filled), last: this.ended && !this.pending };
  }
}
