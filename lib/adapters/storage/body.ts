import { PassThrough, type Readable, pipeline } from 'node:stream';

/** The chunks of a put body as Buffers, whatever its type, without copying bytes that are already a Buffer. */
export async function* bodyChunks(body: Readable | Uint8Array | string): AsyncGenerator<Buffer> {
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    yield Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else {
    for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
  }
}

/** Whether a put with this body can be sent again (a stream is consumed by the first attempt). */
export function isReplayable(body: Readable | Uint8Array | string): body is Uint8Array | string {
  return typeof body === 'string' || body instanceof Uint8Array;
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
