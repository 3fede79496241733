import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

/**
 * A Google Cloud Storage JSON API server for tests, in process and in memory, written for starbackup
 * because no GCS emulator runs here offline (firebase-tools' needs a Java runtime and cannot do chunked
 * resumable uploads). It answers what @google-cloud/storage sends for object work, as GCS does:
 * - `POST /upload/storage/v1/b/<bucket>/o?uploadType=multipart` (one request, multipart/related);
 * - `POST …?uploadType=resumable` opens a session (Location header), then `PUT <session>` chunks with
 *   `Content-Range: bytes a-b/total|*`, answered 308 with `Range: bytes=0-n` until the last one, which
 *   commits the object; `bytes *\/*` asks for the offset;
 * - `GET /storage/v1/b/<bucket>/o/<name>` metadata, `?alt=media` the bytes (Range, 206/416, x-goog-hash);
 * - `GET /storage/v1/b/<bucket>/o?prefix&maxResults&pageToken`, `DELETE /storage/v1/b/<bucket>/o/<name>`;
 * - errors as `{"error": {"code", "message", "errors": [{"reason"}]}}`.
 * Objects appear only when an upload completes. It does not authenticate; `forbiddenBuckets` answer 403.
 */
export interface GcsTestServer {
  endpoint: string;
  /** Object names of a bucket (committed objects only). */
  names(bucket: string): string[];
  /** Resumable sessions started and not committed. */
  openSessions(): number;
  /** TCP connections accepted so far (a refused client never opens one). */
  connections(): number;
  close(): Promise<void>;
}

interface Stored {
  data: Buffer;
  generation: number;
  updated: string;
}

interface Session {
  bucket: string;
  name: string;
  chunks: Buffer[];
  received: number;
}

export async function startGcsServer(options: { buckets: string[]; forbiddenBuckets?: string[] }): Promise<GcsTestServer> {
  const buckets = new Map(options.buckets.map((b) => [b, new Map<string, Stored>()]));
  const forbidden = new Set(options.forbiddenBuckets ?? []);
  const sessions = new Map<string, Session>();
  let generation = 1;
  let endpoint = '';

  const metadata = (bucket: string, name: string, o: Stored) => ({
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    contentType: 'application/octet-stream',
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32c(o.data),
    timeCreated: o.updated,
    updated: o.updated,
  });

  const commit = (bucket: string, name: string, data: Buffer) => {
    const o = { data, generation: generation++, updated: new Date().toISOString() };
    buckets.get(bucket)!.set(name, o);
    return metadata(bucket, name, o);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, endpoint);
    const parts = url.pathname.split('/').slice(1);
    const upload = parts[0] === 'upload';
    const [storage, v1, b, bucket, o, ...rest] = upload ? parts.slice(1) : parts;
    if (storage !== 'storage' || v1 !== 'v1' || b !== 'b' || !bucket) return error(res, 404, 'notFound', `Not found: ${url.pathname}`);
    const objects = buckets.get(decodeURIComponent(bucket));
    const bucketName = decodeURIComponent(bucket);
    if (forbidden.has(bucketName)) {
      await drain(req);
      return error(res, 403, 'forbidden', `caller does not have storage.objects access to the Google Cloud Storage bucket ${bucketName}.`);
    }
    if (!objects) {
      await drain(req);
      return error(res, 404, 'notFound', 'The specified bucket does not exist.');
    }
    const name = rest.length ? decodeURIComponent(rest.join('/')) : undefined;

    if (upload && req.method === 'POST' && url.searchParams.get('uploadType') === 'multipart') {
      const body = await drain(req);
      const { meta, data } = parseMultipart(body, req.headers['content-type'] ?? '');
      const objectName = url.searchParams.get('name') ?? (meta.name as string);
      return json(res, 200, commit(bucketName, objectName, data));
    }
    if (upload && req.method === 'POST' && url.searchParams.get('uploadType') === 'resumable') {
      const meta = JSON.parse((await drain(req)).toString('utf8') || '{}') as { name?: string };
      const id = randomBytes(12).toString('hex');
      sessions.set(id, { bucket: bucketName, name: url.searchParams.get('name') ?? meta.name!, chunks: [], received: 0 });
      res.setHeader('Location', `${endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&upload_id=${id}`);
      return json(res, 200, {});
    }
    if (upload && req.method === 'PUT') return resumableChunk(req, res, url.searchParams.get('upload_id') ?? '');
    if (upload) return error(res, 400, 'invalid', 'Unsupported upload request');

    if (o !== 'o') return req.method === 'GET' && o === undefined ? json(res, 200, { kind: 'storage#bucket', name: bucketName }) : error(res, 404, 'notFound', 'Not found');
    if (name === undefined && req.method === 'GET') return list(res, bucketName, objects, url.searchParams);
    const stored = name === undefined ? undefined : objects.get(name);
    if (req.method === 'DELETE') {
      if (!stored) return error(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
      objects.delete(name!);
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET') return error(res, 405, 'methodNotAllowed', `${req.method} is not supported`);
    if (!stored) return error(res, 404, 'notFound', `No such object: ${bucketName}/${name}`);
    if (url.searchParams.get('alt') !== 'media') return json(res, 200, metadata(bucketName, name!, stored));
    return media(req, res, stored);
  }

  function media(req: IncomingMessage, res: ServerResponse, stored: Stored): void {
    const size = stored.data.length;
    const headers = {
      'Content-Type': 'application/octet-stream',
      'x-goog-generation': String(stored.generation),
      'x-goog-stored-content-encoding': 'identity',
      'x-goog-hash': `crc32c=${crc32c(stored.data)},md5=${createHash('md5').update(stored.data).digest('base64')}`,
    };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range) {
      res.writeHead(200, { ...headers, 'Content-Length': size }).end(stored.data);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(range[2] ? Number(range[2]) : size - 1, size - 1);
    if (start >= size) return error(res, 416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.');
    res.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
    res.end(stored.data.subarray(start, end + 1));
  }

  function list(res: ServerResponse, bucket: string, objects: Map<string, Stored>, q: URLSearchParams): void {
    const prefix = q.get('prefix') ?? '';
    const max = Number(q.get('maxResults') ?? 1000);
    const after = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString('utf8') : '';
    const names = [...objects.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
    const page = names.slice(0, max);
    json(res, 200, {
      kind: 'storage#objects',
      items: page.map((n) => metadata(bucket, n, objects.get(n)!)),
      ...(names.length > max ? { nextPageToken: Buffer.from(page.at(-1)!, 'utf8').toString('base64url') } : {}),
    });
  }

  async function resumableChunk(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const session = sessions.get(id);
    const body = await drain(req);
    if (!session) return error(res, 404, 'notFound', 'No such upload session');
    const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(req.headers['content-range'] ?? '');
    if (!range) return error(res, 400, 'invalid', `Bad Content-Range: ${req.headers['content-range']}`);
    const total = range[4] === '*' ? undefined : Number(range[4]);
    if (range[1] !== '*') {
      const start = Number(range[2]);
      // A chunk that repeats bytes we have (a retry) is trimmed; one that skips bytes is refused.
      if (start > session.received) return error(res, 400, 'invalid', `Chunk starts at ${start}, session has ${session.received}`);
      const fresh = body.subarray(session.received - start);
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    // The body of `bytes 0-*/*` (the library's single-request mode) is the whole object.
    const complete = total !== undefined ? session.received >= total : range[3] === '*';
    if (complete && (total === undefined || session.received === total)) {
      sessions.delete(id);
      return json(res, 200, commit(session.bucket, session.name, Buffer.concat(session.chunks)));
    }
    if (session.received > 0) res.setHeader('Range', `bytes=0-${session.received - 1}`);
    res.writeHead(308, { 'Content-Length': 0 }).end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => error(res, 500, 'backendError', String(err)));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    names: (bucket) => [...(buckets.get(bucket)?.keys() ?? [])].sort(),
    openSessions: () => sessions.size,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function crc32c(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

async function drain(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function error(res: ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  json(res, code, { error: { code, message, errors: [{ domain: 'global', reason, message }] } });
}

/** The metadata part and the media part of a `multipart/related` upload. */
function parseMultipart(body: Buffer, contentType: string): { meta: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    parts.push(body.subarray(at + delimiter.length, next));
    at = next;
  }
  const content = parts.map((p) => {
    const split = p.indexOf('\r\n\r\n');
    // Each part is CRLF, headers, CRLF CRLF, content, CRLF.
    return p.subarray(split + 4, p.length - 2);
  });
  return { meta: JSON.parse(content[0]!.toString('utf8')) as Record<string, unknown>, data: content[1] ?? Buffer.alloc(0) };
}
