import type { Readable } from 'node:stream';

/**
 * A flat store of immutable objects under one root (a folder, a bucket prefix, an HDFS path).
 * Keys are `/`-separated, relative to the root, never starting with `/` and never containing `..`.
 */
export interface ObjectInfo {
  key: string;
  size: number;
}

/**
 * `sizes: false`: the caller needs keys only, and a store that must ask for each object's size apart from
 * the listing (a file system: a stat per file) may skip it and report size -1. A bucket's listing carries
 * sizes anyway and ignores the option.
 */
export interface ListOptions {
  sizes?: boolean;
}

export interface PutResult {
  sha256: string;
  size: number;
}

/**
 * A body that can be read again from its start: every `open` gives a fresh stream of the same bytes (a
 * `get` of the object being copied, a document rebuilt from its parts). A put opens it once per attempt and
 * destroys each stream it opened when the attempt ends, so the retry policy of the stores sends an upload
 * that failed half-way again, whole, and checks its sha256 again.
 */
export interface ReplayableBody {
  open(): Readable | Promise<Readable>;
}

/**
 * What a put writes. Bytes, a string and a ReplayableBody can be sent again; a bare Readable is one-shot:
 * the first attempt consumes it, so a put of one is never retried (use it only for bytes that cannot be
 * produced twice, such as a document written line by line as it is computed).
 */
export type PutBody = Uint8Array | string | ReplayableBody | Readable;

export interface PutOptions {
  /** When given, the write fails with IntegrityError (and leaves nothing) unless the bytes hash to it. */
  sha256?: string;
  /** Expected size in bytes, when known; lets backends pick single-shot or multipart uploads. */
  size?: number;
  /**
   * The put may return once the object is whole under its name, before that name would survive a crash
   * of the machine: the caller then calls the store's `sync` before anything names the object. Lets a
   * file store make the folders of many puts durable together. Stores whose puts are durable when they
   * return ignore it.
   */
  syncLater?: boolean;
}

export interface ObjectStore {
  /** Where the store points, for messages; never contains a secret. */
  readonly description: string;
  /**
   * The objects are files on this machine (a file:// store). A copy between two such stores holds one
   * buffer whatever its size, and waits mostly on its fsyncs: transfers keep more of them in flight than
   * they do with a network store, whose copies each hold stream and socket buffers.
   */
  readonly local?: boolean;
  /**
   * Writes an object from bytes, a string or a stream (replayable or one-shot: see PutBody). All-or-nothing:
   * readers see the old object, or the whole new one, never a part. Returns the sha256 and size of what was
   * written.
   */
  put(key: string, body: PutBody, options?: PutOptions): Promise<PutResult>;
  /** A stream of the object's bytes (end inclusive, as HTTP ranges). Throws NotFoundError when missing. */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  /** Size of the object, or undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with prefix, at any depth, in no promised order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo>;
  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Makes durable every object put with `syncLater` before this call (also those of concurrent callers).
   * Absent where every put is durable when it returns.
   */
  sync?(): Promise<void>;
}
