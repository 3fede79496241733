import { Readable } from 'node:stream';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError, StorageError } from '../../../domain/errors.ts';
import { redact } from '../../../domain/secrets.ts';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { type OpenedBody, isInMemory, mapStreamErrors, withOpenedBody } from '../body.ts';
import { HashingStream, bodyBytes, hashBody, sha256Mismatch, sha256Of } from '../hashing-stream.ts';
import { checkKey, checkPrefix, checkRange } from '../object-keys.ts';
import { type S3Config, describeS3 } from './s3-config.ts';
import { mapS3Error } from './s3-errors.ts';
import { S3DirectRequests, mapBodyErrors } from './s3-direct-requests.ts';
import { givePartBuffer, partBuffers, takePartBuffer, uploadStream } from './s3-multipart.ts';
import { type FileSource, fileSourceOf, readFileSource } from '../file-source.ts';
import { fromSocket } from '../dropped-buffers.ts';
import { collectUpTo, putWithSha256 } from './s3-single-put.ts';

/**
 * Blobs up to this size go in one streamed PutObject (S3 takes up to 5 GiB); larger ones as a multipart
 * upload, so a dropped connection costs a part rather than the whole blob.
 */
const STREAMED_PUT_MAX = 256 * 1024 * 1024;

/** Carries a failure of the put's body out of the upload's own error handling, to be thrown as it is. */
class BodyFailure {
  constructor(readonly cause: unknown) {}
}

/**
 * An ObjectStore on an S3 bucket prefix (AWS, MinIO, GCS's S3 API, s3rver). All-or-nothing comes from
 * S3 itself: an object appears only when PutObject or CompleteMultipartUpload succeeds, and a body whose
 * sha256 does not match fails before either is sent (see HashingStream).
 */
export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;
  private readonly endpointText: string;
  private readonly direct: S3DirectRequests;

  constructor(private readonly client: S3Client, private readonly config: S3Config, private readonly secrets: string[] = []) {
    this.root = config.prefix === '' ? '' : `${config.prefix}/`;
    this.description = describeS3(config);
    this.endpointText = config.endpoint ?? `AWS S3 (${config.region})`;
    this.direct = new S3DirectRequests(client, config);
  }

  /** A replayable body is opened for this one attempt (and its stream destroyed after it); see withOpenedBody. */
  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    const { size, sha256 } = options;
    if (body instanceof Readable && size !== undefined && sha256 !== undefined && size > this.config.partSize && size <= STREAMED_PUT_MAX) {
      return this.putStreamed(key, body, size, sha256, options);
    }
    return withOpenedBody(body, (opened) => this.putOpened(key, opened, options));
  }

  /**
   * A blob larger than a part, its size and sha256 known, in one streamed PutObject: no part buffers, one
   * request, one pass of hashing (a multipart upload hashes each part again to sign it). S3's refusal is
   * mapped as the SDK's would be; a redirect (the bucket is in another region) turns direct requests off,
   * so the store's retry of a replayable body goes through the SDK, which follows it.
   */
  private async putStreamed(key: string, body: Readable, size: number, sha256: string, options: PutOptions): Promise<PutResult> {
    const Key = this.root + checkKey(key, this.description);
    const made: { hashing?: HashingStream } = {};
    const sent = await this.direct.putStream(Key, () => (made.hashing = hashBody(body, sha256, `${this.description}/${key}`, size)), size, sha256);
    if (sent.outcome === 'unavailable') return this.putOpened(key, body, options);
    if (sent.outcome === 'stored') return made.hashing!.result();
    made.hashing?.destroy();
    // The body's own failure (its source, or wrong bytes) is what to report, not the request it broke.
    if (made.hashing?.failure) throw made.hashing.failure;
    if (sent.redirected) {
      throw new StorageError(`${this.endpointText} redirected the upload of ${this.description}/${key}; it goes through the SDK from now on`, true);
    }
    throw this.fail(sent.error, 'write', key);
  }

  private async putOpened(key: string, body: OpenedBody, options: PutOptions): Promise<PutResult> {
    const Key = this.root + checkKey(key, this.description);
    const where = `${this.description}/${key}`;
    let hashing: HashingStream | undefined;
    try {
      let stream = body;
      if (isInMemory(body)) {
        const bytes = bodyBytes(body);
        if (bytes.length <= this.config.partSize) return await this.putBytes(Key, where, bytes, sha256Of(bytes), options);
        stream = bytes;
      } else if (options.size !== undefined && options.size <= this.config.partSize) {
        // A stream said to fit in one part (a segment or blob of known size) goes in one PutObject whose
        // sha256, checked before anything is sent, is also its signed payload hash. Read into memory under
        // one of the process's part buffers; one that outgrows the part goes on as a multipart upload.
        const release = await partBuffers.acquire();
        try {
          const source = fileSourceOf(body);
          if (source && source.end - source.start <= this.config.partSize) return await this.putFile(Key, where, source, body, options);
          const collected = await collectUpTo(body, this.config.partSize).catch((e: unknown) => { throw new BodyFailure(e); });
          if (collected.whole) return await this.putBytes(Key, where, collected.bytes, collected.sha256, options);
          stream = collected.stream;
        } finally {
          release();
        }
      }
      hashing = hashBody(stream, options.sha256, where);
      const { client, direct, config: { bucket: Bucket, partSize, queueSize } } = this;
      await uploadStream({ client, direct, Bucket, Key, partSize, queueSize }, hashing);
      return hashing.result();
    } catch (err) {
      // The body's own failure (its source went away, or the sha256 did not match) is reported as is.
      if (err instanceof BodyFailure) throw err.cause;
      if (hashing?.failure) throw hashing.failure;
      // Release the caller's stream (a download feeding this upload) rather than leave it paused.
      hashing?.destroy();
      throw this.fail(err, 'write', key);
    }
  }

  /**
   * A file store's get as one PutObject: the file read straight into a part buffer kept for the next one,
   * rather than in freshly allocated chunks that were then joined (2 MiB of garbage per 1 MiB blob, which
   * V8 collected with full collections: 62 in a 1 GiB backup to s3rver).
   */
  private async putFile(Key: string, where: string, source: FileSource, body: Readable, options: PutOptions): Promise<PutResult> {
    // A whole part, as every part buffer is, so the next blob (or part) can always take it again.
    const buffer = takePartBuffer(this.config.partSize);
    try {
      const bytes = await readFileSource(source, buffer).catch((e: unknown) => { throw new BodyFailure(e); });
      return await this.putBytes(Key, where, bytes, sha256Of(bytes), options);
    } finally {
      givePartBuffer(buffer);
      // Read by other means: its file is closed now, as a stream's is at its end or on an error.
      body.destroy();
    }
  }

  private async putBytes(Key: string, where: string, bytes: Buffer, sha256: string, options: PutOptions): Promise<PutResult> {
    if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) throw sha256Mismatch(where, options.sha256, sha256);
    if (!(await this.direct.put(Key, bytes, sha256))) await putWithSha256(this.client, this.config.bucket, Key, bytes, sha256);
    return { sha256, size: bytes.length };
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const Key = this.root + checkKey(key, this.description);
    if (range) checkRange(range, key, this.description);
    const direct = await this.direct.get(Key, range);
    if (direct === 'missing') throw new NotFoundError(`Object ${this.description}/${key} not found`);
    if (direct === 'past-end') return Readable.from([]);
    if (direct) return fromSocket(mapBodyErrors(direct.body, (err) => this.fail(err, 'read', key)));
    try {
      const out = await this.client.send(new GetObjectCommand({
        Bucket: this.config.bucket,
        Key,
        ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}),
      }));
      return fromSocket(mapStreamErrors(out.Body as Readable, (err) => this.fail(err, 'read', key)));
    } catch (err) {
      // A range that starts past the end: the object exists and those bytes are none.
      if ((err as { name?: string }).name === 'InvalidRange') return Readable.from([]);
      if (await this.deniedForMissing(err, Key)) throw new NotFoundError(`Object ${this.description}/${key} not found`);
      throw this.fail(err, 'read', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const Key = this.root + checkKey(key, this.description);
    const direct = await this.direct.head(Key);
    if (direct) return direct === 'missing' ? undefined : { key, size: direct.size };
    let out;
    try {
      out = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key }));
    } catch (err) {
      if (statusOf(err) === 404 || (await this.deniedForMissing(err, Key))) return undefined;
      throw this.fail(err, 'read', key);
    }
    // A size taken as 0 would make a blob look empty (and a transfer skip or truncate it).
    if (out.ContentLength === undefined) throw new StorageError(`S3 answered HEAD of ${this.description}/${key} without a Content-Length`, false);
    return { key, size: out.ContentLength };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const Prefix = this.root + checkPrefix(prefix, this.description);
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix, ContinuationToken, MaxKeys: this.config.listPageSize }));
      } catch (err) {
        throw this.fail(err, 'list', prefix);
      }
      for (const o of page.Contents ?? []) {
        const key = o.Key?.slice(this.root.length);
        // Console-made "folder" markers (`dir/`) are not objects.
        if (key && !key.endsWith('/')) yield { key, size: o.Size ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string): Promise<void> {
    const Key = this.root + checkKey(key, this.description);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key }));
    } catch (err) {
      throw this.fail(err, 'delete', key);
    }
  }

  /**
   * S3 answers 403, not 404, for a missing key when the caller may not list the bucket unconditionally
   * (our Lambda roles may list only with an s3:prefix condition). A listing with the key as prefix
   * carries s3:prefix, so it tells "missing" from "forbidden". A listing that fails leaves the 403 as is.
   */
  private async deniedForMissing(err: unknown, Key: string): Promise<boolean> {
    if (statusOf(err) !== 403) return false;
    try {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: Key, MaxKeys: 1 }));
      // The key itself sorts first among the keys it prefixes, so one is enough.
      return page.Contents?.[0]?.Key !== Key;
    } catch {
      return false;
    }
  }

  private fail(err: unknown, op: string, key: string): Error {
    const mapped = mapS3Error(err, { op, target: `${this.description}/${key}`, bucket: this.config.bucket, endpoint: this.endpointText });
    // Some servers echo the access key id in their messages; the key is treated as a secret throughout.
    mapped.message = redact(mapped.message, Object.fromEntries(this.secrets.map((s, i) => [String(i), s])));
    return mapped;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
