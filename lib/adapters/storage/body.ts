import { PassThrough, Readable, pipeline } from 'node:stream';
import type { PutBody, ReplayableBody } from '../../ports/object-store.ts';

/** A put body as one attempt sends it: bytes, a string or a stream. */
export type OpenedBody = Readable | Uint8Array | string;

/** The chunks of a put body as Buffers, whatever its type, without copying bytes that are already a Buffer. */
export async function* bodyChunks(body: OpenedBody): AsyncGenerator<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    yield Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else {
    for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
  }
}

/** Whether a put body is in memory (bytes or a string): replayable, and of known size. */
export function isInMemory(body: PutBody): body is Uint8Array | string {
  return typeof body === 'string' || body instanceof Uint8Array;
}

/** Whether a put body is a stream that can be opened again (see ReplayableBody). */
export function isReplayableStream(body: PutBody): body is ReplayableBody {
  return typeof body === 'object' && !(body instanceof Uint8Array) && !(body instanceof Readable) && typeof (body as ReplayableBody).open === 'function';
}

/**
 * Whether a put can be sent again after a failed attempt: bytes, strings and replayable streams can; a bare
 * Readable is one-shot, consumed by the first attempt.
 */
export function isReplayable(body: PutBody): boolean {
  return isInMemory(body) || isReplayableStream(body);
}

/**
 * Runs one attempt of a put with its body opened: a replayable stream is opened for it and that stream is
 * destroyed when the attempt ends, whether it wrote or failed, so a failed attempt never leaves its source
 * (a download feeding the upload) open. Bytes, strings and a one-shot stream are passed on as they are.
 */
export async function withOpenedBody<T>(body: PutBody, attempt: (opened: OpenedBody) => Promise<T>): Promise<T> {
  if (!isReplayableStream(body)) return attempt(body as OpenedBody);
  const stream = await body.open();
  try {
    return await attempt(stream);
  } finally {
    stream.destroy();
  }
}

/**
 * The same bytes with the source's errors translated (a reset connection mid-download becomes a
 * retryable StorageError), so a reader of any backend sees the port's typed errors.
 */
export function mapStreamErrors(source: Readable, map: (err: unknown) => Error): Readable {
  const out = new PassThrough();
  pipeline(source, out, (err) => {
    if (err && !out.destroyed) out.destroy(map(err));
  });
  return out;
}
