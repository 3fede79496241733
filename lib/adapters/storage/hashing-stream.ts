import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback, pipeline } from 'node:stream';
import { IntegrityError } from '../../domain/errors.ts';
import type { PutResult } from '../../ports/object-store.ts';
import type { OpenedBody } from './body.ts';

/**
 * Passes a put body through while hashing it. With an expected sha256 it fails in `_flush`, that is before
 * its reader sees end-of-stream, so an upload that only commits at the end (S3 CompleteMultipartUpload, the
 * last chunk of a GCS resumable upload) never commits wrong bytes. The latest chunk is held back until the
 * next one arrives or the hash is checked: a single request of known Content-Length (a streamed PutObject)
 * is then never complete at the server unless the bytes were right, and one too many bytes fails the
 * stream before they are passed on.
 */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  private byteCount = 0;
  private digest?: string;
  private held?: Buffer;
  /**
   * Why the body failed: its source's own error (a dropped connection upstream) or an IntegrityError.
   * Callers report this rather than whatever error the upload it fed ended with.
   */
  failure?: Error;

  constructor(private readonly expected: string | undefined, private readonly where: string, private readonly expectedSize?: number) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(bytes);
    this.byteCount += bytes.length;
    if (this.expectedSize !== undefined && this.byteCount > this.expectedSize) return callback(this.sizeMismatch());
    const previous = this.held;
    this.held = bytes;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    if (this.expected !== undefined && this.expected.toLowerCase() !== this.digest) {
      this.failure = sha256Mismatch(this.where, this.expected, this.digest);
      return callback(this.failure);
    }
    if (this.expectedSize !== undefined && this.byteCount !== this.expectedSize) return callback(this.sizeMismatch());
    callback(null, this.held);
  }

  private sizeMismatch(): IntegrityError {
    const failure = new IntegrityError(`size mismatch writing ${this.where}: expected ${this.expectedSize} bytes, got ${this.byteCount}${this.digest ? '' : ' or more'}`);
    this.failure = failure;
    return failure;
  }

  /** What was written; only valid once the stream has ended. */
  result(): PutResult {
    if (this.digest === undefined) throw new Error('HashingStream.result() before the end of the body');
    return { sha256: this.digest, size: this.byteCount };
  }
}

/** A HashingStream fed from any put body; an error of the body (a dropped source) becomes its error. */
export function hashBody(body: OpenedBody, expected: string | undefined, where: string, expectedSize?: number): HashingStream {
  const hashing = new HashingStream(expected, where, expectedSize);
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
