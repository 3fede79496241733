import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The header SigV4 signs as the payload's hash; when a request carries it the signer does not hash the body. */
const PAYLOAD_SHA256_HEADER = 'x-amz-content-sha256';

/** A stream body read into memory while hashed, or the part read so far when it outgrew the limit. */
export type Collected =
  | { whole: true; bytes: Buffer; sha256: string }
  | { whole: false; stream: Readable };

/**
 * Reads a body that should fit in one PutObject (at most `limit` bytes) into one buffer, hashing it as
 * it comes. Past the limit it stops and gives back a stream of everything (what was read, then the rest),
 * for a multipart upload. A failure of the body itself is thrown as it is.
 */
export async function collectUpTo(body: Readable, limit: number): Promise<Collected> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = body[Symbol.asyncIterator]();
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : (next.value as Buffer);
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      const rest = { [Symbol.asyncIterator]: () => iterator };
      return { whole: false, stream: Readable.from((async function* () { yield* chunks; yield* rest; })(), { objectMode: false }) };
    }
    hash.update(chunk);
  }
  return { whole: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), sha256: hash.digest('hex') };
}

/**
 * One PutObject of bytes whose sha256 is already known: sent as the payload hash, so the SDK's signer
 * does not hash the body a second time (over plain HTTP it signs the payload), and S3 checks it.
 */
export async function putWithSha256(client: S3Client, Bucket: string, Key: string, bytes: Buffer, sha256: string): Promise<void> {
  const command = new PutObjectCommand({ Bucket, Key, Body: bytes, ContentLength: bytes.length });
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers[PAYLOAD_SHA256_HEADER] = sha256;
      return next(args);
    },
    { step: 'build', name: 'starbackupPayloadSha256' },
  );
  await client.send(command);
}
