import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Bucket } from '@google-cloud/storage';
import { redact } from '../../../domain/secrets.ts';
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { isReplayable, mapStreamErrors } from '../body.ts';
import { type HashingStream, bodyBytes, hashBody, sha256Mismatch, sha256Of } from '../hashing-stream.ts';
import { checkKey, checkPrefix, checkRange } from '../object-keys.ts';
import type { GcsConfig } from './gcs-config.ts';
import { type GcsErrorContext, mapGcsError } from './gcs-errors.ts';

const CONTENT_TYPE = 'application/octet-stream';

/**
 * An ObjectStore on a GCS bucket prefix through the JSON API. An object appears only when its upload
 * finalizes: one request for bodies already in memory, else a resumable session whose last chunk (sent
 * only after the whole body was read and its sha256 checked) commits it. A failed session is simply
 * abandoned; GCS drops it after a week and it is never visible.
 */
export class GcsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;
  private readonly endpointText: string;

  constructor(private readonly bucket: Bucket, private readonly config: GcsConfig, private readonly secrets: string[] = []) {
    this.root = config.prefix === '' ? '' : `${config.prefix}/`;
    this.description = `gs://${config.bucket}${config.prefix ? `/${config.prefix}` : ''}`;
    this.endpointText = config.endpoint ?? 'storage.googleapis.com';
  }

  async put(key: string, body: Readable | Uint8Array | string, options: PutOptions = {}): Promise<PutResult> {
    const file = this.bucket.file(this.root + checkKey(key, this.description));
    const where = `${this.description}/${key}`;
    let hashing: HashingStream | undefined;
    try {
      if (isReplayable(body)) {
        const bytes = bodyBytes(body);
        const sha256 = sha256Of(bytes);
        if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) throw sha256Mismatch(where, options.sha256, sha256);
        if (bytes.length <= this.config.singleRequestLimit) {
          await file.save(bytes, { resumable: false, metadata: { contentType: CONTENT_TYPE } });
          return { sha256, size: bytes.length };
        }
      }
      hashing = hashBody(body, options.sha256, where);
      await pipeline(hashing, file.createWriteStream({ resumable: true, chunkSize: this.config.chunkSize, metadata: { contentType: CONTENT_TYPE } }));
      return hashing.result();
    } catch (err) {
      if (hashing?.failure) throw hashing.failure;
      throw this.fail(err, 'write', key, true);
    }
  }

  /** Waits for the response before returning the stream, so a missing object throws here, not on read. */
  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const file = this.bucket.file(this.root + checkKey(key, this.description));
    if (range) checkRange(range, key, this.description);
    // Whole reads are checked against the crc32c GCS keeps; ranges cannot be.
    const stream = file.createReadStream(range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}), validation: false } : {});
    try {
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('response', (res: { statusCode?: number; status?: number }) => {
          if ((res.statusCode ?? res.status ?? 200) < 300) resolve();
        });
        stream.read(0);
      });
    } catch (err) {
      stream.destroy();
      if ((err as { code?: number }).code === 416) return Readable.from([]);
      throw this.fail(err, 'read', key);
    }
    return mapStreamErrors(stream, (err) => this.fail(err, 'read', key));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.bucket.file(this.root + checkKey(key, this.description));
    try {
      const [metadata] = await file.getMetadata();
      return { key, size: Number(metadata.size ?? 0) };
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw this.fail(err, 'read', key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = this.root + checkPrefix(prefix, this.description);
    let pageToken: string | undefined;
    do {
      let files;
      let next;
      try {
        [files, next] = await this.bucket.getFiles({ prefix: full, autoPaginate: false, maxResults: this.config.listPageSize, ...(pageToken ? { pageToken } : {}) });
      } catch (err) {
        throw this.fail(err, 'list', prefix, true);
      }
      for (const f of files) {
        const key = f.name.slice(this.root.length);
        if (key && !key.endsWith('/')) yield { key, size: Number(f.metadata.size ?? 0) };
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    const file = this.bucket.file(this.root + checkKey(key, this.description));
    try {
      await file.delete({ ignoreNotFound: true });
    } catch (err) {
      throw this.fail(err, 'delete', key);
    }
  }

  private fail(err: unknown, op: string, key: string, notFoundIsBucket = false): Error {
    const ctx: GcsErrorContext = { op, target: `${this.description}/${key}`, bucket: this.config.bucket, endpoint: this.endpointText, notFoundIsBucket };
    const mapped = mapGcsError(err, ctx);
    mapped.message = redact(mapped.message, Object.fromEntries(this.secrets.map((s, i) => [String(i), s])));
    return mapped;
  }
}
