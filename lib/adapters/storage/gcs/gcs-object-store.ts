import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { CRC32C } from '@google-cloud/storage';
import type { Response } from 'undici';
import { IntegrityError, StorageError } from '../../../domain/errors.ts';
import { redact } from '../../../domain/secrets.ts';
import type { ObjectInfo, ObjectStore, PutBody, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { type OpenedBody, isInMemory, mapStreamErrors, withOpenedBody } from '../body.ts';
import { type HashingStream, bodyBytes, hashBody, sha256Mismatch, sha256Of } from '../hashing-stream.ts';
import { checkKey, checkPrefix, checkRange } from '../object-keys.ts';
import type { GcsClient } from './gcs-client.ts';
import { type GcsConfig, describeGcs } from './gcs-config.ts';
import { type GcsErrorContext, mapGcsError } from './gcs-errors.ts';
import { fromSocket } from '../dropped-buffers.ts';

const CONTENT_TYPE = 'application/octet-stream';

interface ObjectResource {
  name?: string;
  size?: string;
  generation?: string;
  crc32c?: string;
}

/**
 * An ObjectStore on a GCS bucket prefix through the JSON API (gcs-client.ts sends every request). An
 * object appears only when its upload finalizes: one multipart request for bodies already in memory,
 * else a resumable session whose last chunk (sent only after the whole body was read and its sha256
 * checked) commits it. A failed session is simply abandoned; GCS drops it after a week and it is never
 * visible. The crc32c GCS computes is compared with the bytes sent, and with whole reads.
 */
export class GcsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly root: string;
  private readonly endpointText: string;

  constructor(private readonly client: GcsClient, private readonly config: GcsConfig, private readonly secrets: string[] = []) {
    this.root = config.prefix === '' ? '' : `${config.prefix}/`;
    this.description = describeGcs(config);
    this.endpointText = config.endpoint ?? 'storage.googleapis.com';
  }

  /** A replayable body is opened for this one attempt (and its stream destroyed after it); see withOpenedBody. */
  put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
    return withOpenedBody(body, (opened) => this.putOpened(key, opened, options));
  }

  private async putOpened(key: string, body: OpenedBody, options: PutOptions): Promise<PutResult> {
    const name = this.root + checkKey(key, this.description);
    const where = `${this.description}/${key}`;
    let hashing: HashingStream | undefined;
    try {
      if (isInMemory(body)) {
        const bytes = bodyBytes(body);
        const sha256 = sha256Of(bytes);
        if (options.sha256 !== undefined && options.sha256.toLowerCase() !== sha256) throw sha256Mismatch(where, options.sha256, sha256);
        if (bytes.length <= this.config.singleRequestLimit) {
          await this.uploadMultipart(name, bytes, where);
          return { sha256, size: bytes.length };
        }
      }
      hashing = hashBody(body, options.sha256, where);
      await this.uploadResumable(name, hashing, where);
      return hashing.result();
    } catch (err) {
      if (hashing?.failure) throw hashing.failure;
      throw this.fail(err, 'write', key, true);
    }
  }

  /** Waits for the response before returning the stream, so a missing object throws here, not on read. */
  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const name = this.root + checkKey(key, this.description);
    if (range) checkRange(range, key, this.description);
    let res: Response;
    try {
      res = await this.client.send(this.client.objectUrl(this.config.bucket, name, { alt: 'media' }), {
        method: 'GET',
        // Bytes as stored: a gzip-stored object is decoded by GCS, never by us (its crc32c is of the gzip).
        headers: { 'accept-encoding': 'identity', ...(range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {}) },
      }, [416]);
    } catch (err) {
      throw this.fail(err, 'read', key);
    }
    if (res.status === 416) {
      await res.body?.cancel();
      return Readable.from([]);
    }
    const body = res.body ? Readable.fromWeb(res.body as ReadableStream<Uint8Array>) : Readable.from([]);
    // Whole reads are checked against the crc32c GCS keeps; ranges cannot be.
    const expected = range ? undefined : storedCrc32c(res);
    const checked = expected === undefined ? body : Readable.from(verifyCrc32c(body, expected, `${this.description}/${key}`), { objectMode: false });
    return fromSocket(mapStreamErrors(checked, (err) => this.fail(err, 'read', key)));
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const name = this.root + checkKey(key, this.description);
    try {
      const res = await this.client.send(this.client.objectUrl(this.config.bucket, name), { method: 'GET' }, [404]);
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      const metadata = (await res.json()) as ObjectResource;
      return { key, size: Number(metadata.size ?? 0) };
    } catch (err) {
      throw this.fail(err, 'read', key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = this.root + checkPrefix(prefix, this.description);
    let pageToken: string | undefined;
    do {
      let page: { items?: ObjectResource[]; nextPageToken?: string };
      try {
        const params = { prefix: full, maxResults: String(this.config.listPageSize), ...(pageToken ? { pageToken } : {}) };
        page = (await (await this.client.send(this.client.objectUrl(this.config.bucket, undefined, params), { method: 'GET' })).json()) as typeof page;
      } catch (err) {
        throw this.fail(err, 'list', prefix, true);
      }
      for (const item of page.items ?? []) {
        const key = (item.name ?? '').slice(this.root.length);
        if (key && !key.endsWith('/')) yield { key, size: Number(item.size ?? 0) };
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    const name = this.root + checkKey(key, this.description);
    try {
      const res = await this.client.send(this.client.objectUrl(this.config.bucket, name), { method: 'DELETE' }, [404]);
      await res.arrayBuffer();
    } catch (err) {
      throw this.fail(err, 'delete', key);
    }
  }

  /** One `multipart/related` request: the object's metadata, then its bytes. */
  private async uploadMultipart(name: string, bytes: Buffer, where: string): Promise<void> {
    const boundary = randomBytes(16).toString('hex');
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ name, contentType: CONTENT_TYPE })}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Type: ${CONTENT_TYPE}\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await this.client.send(this.client.uploadUrl(this.config.bucket, { uploadType: 'multipart' }), {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body,
    });
    const crc = new CRC32C();
    crc.update(bytes);
    await this.checkStored((await res.json()) as ObjectResource, bytes.length, crc.toString(), where);
  }

  /**
   * A resumable session: chunks of `chunkSize` bytes, each answered 308 with how much GCS persisted
   * (it may keep less than a chunk: the rest is sent again). A chunk goes out only once more bytes
   * follow it, so the last one, which names the total and commits the object, waits for the end of
   * the body, that is for its sha256 check.
   */
  private async uploadResumable(name: string, body: AsyncIterable<Buffer>, where: string): Promise<void> {
    const start = await this.client.send(this.client.uploadUrl(this.config.bucket, { uploadType: 'resumable', name }), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-type': CONTENT_TYPE },
      body: JSON.stringify({ name, contentType: CONTENT_TYPE }),
    });
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (!location) throw new StorageError(`GCS opened no resumable upload session for ${where} at ${this.endpointText}: its answer has no Location`, true);
    const session = new URL(location, this.client.endpoint).toString();

    const crc = new CRC32C();
    const chunkSize = this.config.chunkSize;
    // Bytes read and not yet held by GCS; a chunk is copied out of them only when it is sent.
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let persisted = 0;
    const take = (size: number): Buffer => {
      const parts: Buffer[] = [];
      for (let got = 0; got < size; ) {
        const head = pending[0]!;
        const need = size - got;
        if (head.length <= need) {
          pending.shift();
          parts.push(head);
          got += head.length;
        } else {
          parts.push(head.subarray(0, need));
          pending[0] = head.subarray(need);
          got += need;
        }
      }
      pendingBytes -= size;
      return Buffer.concat(parts, size);
    };
    /** Sends a chunk; what GCS did not keep goes back in front of the pending bytes. */
    const send = async (bytes: Buffer, total: number | undefined): Promise<ObjectResource | undefined> => {
      const kept = await this.sendChunk(session, bytes, persisted, total);
      if (typeof kept === 'object') return kept;
      if (kept <= persisted || kept > persisted + bytes.length) {
        throw new StorageError(`GCS answered the upload of ${where} at ${this.endpointText} with offset ${kept} after ${persisted} bytes and a chunk of ${bytes.length}`, true);
      }
      const unsent = bytes.subarray(kept - persisted);
      if (unsent.length) {
        pending.unshift(unsent);
        pendingBytes += unsent.length;
      }
      persisted = kept;
      return undefined;
    };
    for await (const chunk of body) {
      crc.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes > chunkSize) {
        if (await send(take(chunkSize), undefined)) throw new StorageError(`GCS committed ${where} at ${this.endpointText} before its last chunk`, true);
      }
    }
    const total = persisted + pendingBytes;
    for (;;) {
      const stored = await send(take(pendingBytes), total);
      if (stored) return this.checkStored(stored, total, crc.toString(), where);
    }
  }

  /**
   * One chunk of a session at offset `from`; `total` on the last one (an empty last chunk only names
   * it). Answers how many bytes GCS now holds (308), or the committed object's metadata.
   */
  private async sendChunk(session: string, bytes: Buffer, from: number, total: number | undefined): Promise<number | ObjectResource> {
    const range = bytes.length ? `bytes ${from}-${from + bytes.length - 1}/${total ?? '*'}` : `bytes */${total}`;
    const res = await this.client.send(session, { method: 'PUT', headers: { 'content-range': range }, body: bytes }, [308]);
    if (res.status !== 308) return (await res.json()) as ObjectResource;
    await res.arrayBuffer();
    const kept = /^bytes=0-(\d+)$/.exec(res.headers.get('range') ?? '');
    return kept ? Number(kept[1]) + 1 : 0;
  }

  /** GCS's size and crc32c of what it committed against what was sent; a corrupt object is removed again. */
  private async checkStored(stored: ObjectResource, size: number, crc32c: string, where: string): Promise<void> {
    const sizeOk = stored.size === undefined || Number(stored.size) === size;
    if (sizeOk && (stored.crc32c === undefined || stored.crc32c === crc32c)) return;
    if (stored.name !== undefined && stored.generation !== undefined) {
      const url = this.client.objectUrl(this.config.bucket, stored.name, { ifGenerationMatch: stored.generation });
      await this.client.send(url, { method: 'DELETE' }, [404, 412]).then((r) => r.arrayBuffer(), () => undefined);
    }
    const what = sizeOk ? `crc32c ${stored.crc32c} instead of ${crc32c}` : `${stored.size} bytes instead of ${size}`;
    throw new StorageError(`GCS stored ${where} with ${what} at ${this.endpointText}`, true);
  }

  private fail(err: unknown, op: string, key: string, notFoundIsBucket = false): Error {
    const ctx: GcsErrorContext = { op, target: `${this.description}/${key}`, bucket: this.config.bucket, endpoint: this.endpointText, notFoundIsBucket };
    const mapped = mapGcsError(err, ctx);
    mapped.message = redact(mapped.message, Object.fromEntries(this.secrets.map((s, i) => [String(i), s])));
    return mapped;
  }
}

/** The crc32c GCS gives for the bytes of this answer, when they are the bytes it stored. */
function storedCrc32c(res: Response): string | undefined {
  const stored = res.headers.get('x-goog-stored-content-encoding');
  if ((stored !== null && stored !== 'identity') || res.headers.get('content-encoding')) return undefined;
  for (const pair of (res.headers.get('x-goog-hash') ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (pair.slice(0, at).trim() === 'crc32c') return pair.slice(at + 1).trim();
  }
  return undefined;
}

async function* verifyCrc32c(body: Readable, expected: string, where: string): AsyncGenerator<Buffer> {
  const crc = new CRC32C();
  for await (const chunk of body) {
    crc.update(chunk as Buffer);
    yield chunk as Buffer;
  }
  if (crc.toString() !== expected) throw new IntegrityError(`crc32c mismatch reading ${where}: GCS holds ${expected}, read ${crc.toString()}`);
}
