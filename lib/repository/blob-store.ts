import { Readable } from 'node:stream';
import { Compression, type CompressionValue } from '../domain/compression.ts';
import { IntegrityError, NotFoundError, errorMessage } from '../domain/errors.ts';
import { COMPRESSED_SUFFIX, blobKey } from '../domain/repository-layout.ts';
import type { Compressor } from '../ports/compressor.ts';
import type { ObjectStore, PutBody, PutOptions, PutResult } from '../ports/object-store.ts';
import { HEADER_BYTES, compressBlob, decodeHeader, decompressBlob } from './compressed-blob.ts';
import { readBytes } from '../ports/object-io.ts';

/**
 * A repository store through which a blob is one thing whether stored plain (`<sha256>`) or compressed
 * (`<sha256>.zst`): named by either key, `get` returns the uncompressed content, trying the form the key
 * names first and then the other; `head` answers for whichever form is present with the uncompressed
 * size; `put` of a plain blob key writes the compressed form when `write` is zstd (with `sha256` and `size`
 * given, checked on the uncompressed bytes). Every other key, and any ranged read, passes through.
 */
export function blobStore(store: ObjectStore, compressor: Compressor, write: CompressionValue = Compression.NONE, options: BlobStoreOptions = {}): ObjectStore {
  const forms = (key: string) => {
    const b = blobKey(key)!;
    const plain = b.compressed ? key.slice(0, -COMPRESSED_SUFFIX.length) : key;
    const zst = `${plain}${COMPRESSED_SUFFIX}`;
    return { plain, zst, compressedFirst: b.compressed };
  };
  const readCompressed = async (key: string): Promise<Readable> => {
    const raw = await store.get(key);
    return Readable.from(named(key, decompressBlob(raw, compressor)), { objectMode: false });
  };
  /** The error names the compressed file, as a damaged plain blob's names its own. */
  async function* named(key: string, chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
    try {
      yield* chunks;
    } catch (e) {
      throw e instanceof IntegrityError ? new IntegrityError(`${store.description}/${key}: ${errorMessage(e)}`) : e;
    }
  }
  const headCompressed = async (key: string) => {
    const info = await store.head(key);
    if (!info) return undefined;
    // A damaged header reads as a size no blob has, so a backup writes the blob again.
    if (info.size < HEADER_BYTES) return { key, size: -1 };
    try {
      return { key, size: decodeHeader(await readBytes(await store.get(key, { start: 0, end: HEADER_BYTES - 1 }))).size };
    } catch (e) {
      if (e instanceof IntegrityError) return { key, size: -1 };
      throw e;
    }
  };
  return {
    description: store.description,
    local: store.local,
    sync: store.sync && (() => store.sync!()),
    list: (prefix, options) => store.list(prefix, options),
    delete: (key) => store.delete(key),
    async get(key, range) {
      if (range || !blobKey(key)) return store.get(key, range);
      const { plain, zst, compressedFirst } = forms(key);
      const order = compressedFirst ? [() => readCompressed(zst), () => store.get(plain)] : [() => store.get(plain), () => readCompressed(zst)];
      try {
        return await order[0]!();
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        return order[1]!();
      }
    },
    async head(key) {
      if (!blobKey(key)) return store.head(key);
      const { plain, zst } = forms(key);
      if (options.headWrittenForm) return write === Compression.ZSTD ? headCompressed(zst) : store.head(plain);
      return (await store.head(plain)) ?? (await headCompressed(zst));
    },
    async put(key: string, body: PutBody, options: PutOptions = {}): Promise<PutResult> {
      const b = blobKey(key);
      if (write !== Compression.ZSTD || !b || b.compressed || options.sha256 === undefined || options.size === undefined) {
        return store.put(key, body, options);
      }
      const expect = { sha256: options.sha256.toLowerCase(), size: options.size };
      const open = async () => Readable.from(compressBlob(await opened(body), compressor, expect));
      // One-shot in, one-shot out: a bare stream cannot be read twice, so neither can its compressed form.
      await store.put(`${key}${COMPRESSED_SUFFIX}`, body instanceof Readable ? await open() : { open }, { syncLater: options.syncLater });
      return expect;
    },
  };
}

export interface BlobStoreOptions {
  /**
   * `head` of a blob asks only for the form `write` writes. For an upload batch, whose blobs were found
   * missing in both forms when the backup was planned: its `head` only spares a re-run batch the blobs it
   * wrote already, and a blob that arrived since in the other form is simply written again. Asking for
   * both forms doubled the requests per blob, which cost a tenth of a backup's CPU on a file:// repository.
   */
  headWrittenForm?: boolean;
}

/** The key a blobStore's get of `key` reads (the first form present), for messages about a damaged blob. */
export async function servedBlobKey(store: ObjectStore, key: string): Promise<string> {
  const b = blobKey(key);
  if (!b || (await store.head(key))) return key;
  const other = b.compressed ? key.slice(0, -COMPRESSED_SUFFIX.length) : `${key}${COMPRESSED_SUFFIX}`;
  return (await store.head(other)) ? other : key;
}

async function opened(body: PutBody): Promise<Readable> {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([Buffer.from(body)]);
  if (body instanceof Readable) return body;
  return body.open();
}
