import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback, pipeline } from 'node:stream';
import { IntegrityError } from '../../domain/errors.ts';
import type { PutResult } from '../../ports/object-store.ts';
import type { OpenedBody } from './body.ts';

/**
 * Passes a put body through while hashing it. With an expected sha256 it fails in `_flush`, that is before
 * its reader sees end-of-stream, so an upload that only commits at the end (S3 PutObject or
 * CompleteMultipartUpload, the last chunk of a GCS resumable upload) never commits wrong bytes.
 */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  private byteCount = 0;
  private digest?: string;
  /**
   * Why the body failed: its source's own error (a dropped connection upstream) or an IntegrityError.
   * Callers report this rather than whatever error the upload it fed ended with.
   */
  failure?: Error;

  constructor(private readonly expected: string | undefined, private readonly where: string) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(bytes);
    this.byteCount += bytes.length;
    callback(null, bytes);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    if (this.expected !== undefined && this.expected.toLowerCase() !== this.digest) {
      this.failure = sha256Mismatch(this.where, this.expected, this.digest);
      callback(this.failure);
    } else {
      callback();
    }
  }

  /** What was written; only valid once the stream has ended. */
  result(): PutResult {
    if (this.digest === undefined) throw new Error('HashingStream.result() before the end of the body');
    return { sha256: this.digest, size: this.byteCount };
  }
}

/** A HashingStream fed from any put body; an error of the body (a dropped source) becomes its error. */
export function hashBody(body: OpenedBody, expected: string | undefined, where: string): HashingStream {
  const hashing = new HashingStream(expected, where);
  const source = body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
  pipeline(source, hashing, (err) => {
    if (err && !hashing.failure && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') hashing.failure = err;
  });
  return hashing;
}

/** The one wording of a checksum failure on write, shared by every backend (the conformance suite checks it). */
export function sha256Mismatch(where: string, expected: string, actual: string): IntegrityError {
  return new IntegrityError(`sha256 mismatch writing ${where}: expected ${expected}, actual ${actual}`);
}

/** Bytes of a replayable body, without copying a Buffer. */
export function bodyBytes(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
