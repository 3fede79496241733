/**
 * The s3rver test server, run as its own process by `startS3rver()` (s3-server.ts) and never imported.
 *
 * Why a process of its own: s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node 20's
 * OpenSSL 3 only offers under `--openssl-legacy-provider`; giving that flag to this process alone keeps
 * it away from vitest and the code under test.
 *
 * Why it patches s3rver's store: s3rver 3.7.1 writes an object in place and answers before the file is
 * flushed (putObject and putPart resolve on the hashing transform's 'finish', not the file's), so a
 * read right after a put, or two puts of one key, can see a torn object. Real S3 never does that, and
 * the conformance suite checks it. The patched store writes to a temp file, then renames it into place
 * and writes the metadata under one lock (which deletes take too). It also reads `Range: bytes=0-0` as
 * one byte (s3rver computes `end || Infinity` and returned the whole object).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver, { type S3rverStore } from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
if (!directory) throw new Error('usage: s3rver-process <directory> [bucket…]');
const tempDir = `${directory}-incoming`;
await fs.mkdir(tempDir, { recursive: true });

let queue: Promise<unknown> = Promise.resolve();
function locked<T>(op: () => Promise<T>): Promise<T> {
  const run = queue.then(op, op);
  queue = run.catch(() => undefined);
  return run;
}

/** Writes a body to a new temp file, resolving once the file is complete. */
async function receive(content: Buffer | NodeJS.ReadableStream): Promise<{ file: string; size: number; md5: string }> {
  const file = path.join(tempDir, randomBytes(8).toString('hex'));
  const md5 = createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const source = Buffer.isBuffer(content) ? [content] : content;
  await pipeline(source as AsyncIterable<Buffer>, count, createWriteStream(file));
  return { file, size, md5: md5.digest('hex') };
}

function patch(store: S3rverStore): void {
  const deleteObject = store.deleteObject.bind(store);
  store.putObject = async (object) => {
    const { file, size, md5 } = await receive(object.content);
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    await locked(async () => {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(file, target);
      await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    });
    return { size, md5 };
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const { file, size, md5 } = await receive(content);
    const target = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.rename(file, target);
    await fs.writeFile(`${target}.md5`, md5);
    return { size, md5 };
  };
  store.deleteObject = (bucket, key) => locked(() => deleteObject(bucket, key));
  const getObject = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await getObject(bucket, key, options);
    if (options?.start === 0 && options.end === 0 && object?.content && object.range) {
      object.content.destroy();
      object.content = createReadStream(store.getResourcePath(bucket, key, 'object'), { start: 0, end: 0 });
      object.range.end = 0;
    }
    return object;
  };
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
patch(server.store);
const { port } = await server.run();
process.send?.({ port });
process.on('disconnect', () => process.exit(0));
