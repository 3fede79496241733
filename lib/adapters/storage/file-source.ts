import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Where a stream returned by a file store's get reads from, while nothing has read it yet. */
export interface FileSource {
  handle: FileHandle;
  start: number;
  /** Exclusive. */
  end: number;
}

const sources = new WeakMap<Readable, FileSource>();

/** Remembers that `stream` reads `[start, end)` of `handle`, so a put can read the file directly. */
export function registerFileSource(stream: Readable, source: FileSource): Readable {
  sources.set(stream, source);
  return stream;
}

/**
 * The file a put body reads from, when it is a file store's untouched get stream: a put (to a folder, or
 * of one part to a bucket) then reads the file itself into a reused buffer instead of taking a freshly
 * allocated chunk per read from the stream (the allocations, their page faults and the garbage
 * collections they cause were a fifth of a backup's CPU, and kept the peak RSS up). Once read so, the
 * stream must be destroyed, which closes the file.
 */
export function fileSourceOf(body: unknown): FileSource | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const source = sources.get(body as Readable);
  const stream = body as Readable;
  return source && !stream.readableDidRead && !stream.destroyed ? source : undefined;
}

/** Reads the whole source into `into` (at least its length); returns the bytes read, fewer if the file shrank. */
export async function readFileSource(source: FileSource, into: Buffer): Promise<Buffer> {
  const length = source.end - source.start;
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await source.handle.read(into, filled, length - filled, source.start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return into.subarray(0, filled);
}
