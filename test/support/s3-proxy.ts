import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy refuses with 403 AccessDenied, as S3 does under a narrower IAM policy. */
export const Deny = {
  /** GET/HEAD of a key that does not exist: S3's answer to a caller without unconditioned s3:ListBucket. */
  MISSING: 'missing',
  /** GET/HEAD of any object: no s3:GetObject. */
  READS: 'reads',
  /** ListObjects(V2): no s3:ListBucket at all. */
  LIST: 'list',
  /** PutObject (and UploadPart): no s3:PutObject; answered once the body has arrived. */
  WRITES: 'writes',
} as const;
export type DenyValue = (typeof Deny)[keyof typeof Deny];

export interface S3ProxyRequest {
  method: string;
  /** Path and query as sent, path-style: `/bucket/key` or `/bucket?list-type=2&…`. */
  url: string;
  authorization: string;
}

/**
 * An HTTP proxy in front of an S3 server (s3rver) that plays the parts of S3's answers an IAM policy
 * decides: what `deny` holds is refused with S3's own 403 (`<Error><Code>AccessDenied</Code>…`, and no
 * body for HEAD); everything else passes through untouched, Host header included, so the SigV4
 * signature still holds. Every request is recorded, Authorization header included.
 */
export interface S3Proxy {
  endpoint: string;
  deny: Set<DenyValue>;
  /**
   * How many of the next object writes (PutObject, UploadPart) to cut off mid-body, as a dropped connection
   * does: the proxy reads the first bytes of the body, then destroys the socket without an answer.
   */
  cutWrites: number;
  /** When set, only writes whose path and query match it are cut (e.g. `/partNumber=2/`: the second part). */
  cutOnly?: RegExp;
  /** When set, HEAD answers lose their Content-Length, as a misbehaving gateway might send them. */
  stripHeadLength?: boolean;
  requests: S3ProxyRequest[];
  close(): Promise<void>;
}

export async function startS3Proxy(upstream: string, deny: DenyValue[] = []): Promise<S3Proxy> {
  const target = new URL(upstream);
  const proxy: Omit<S3Proxy, 'endpoint' | 'close'> = { deny: new Set(deny), requests: [], cutWrites: 0 };
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    proxy.requests.push({ method: req.method ?? '', url, authorization: req.headers.authorization ?? '' });
    const isList = /[?&]list-type=2(&|$)/.test(url) || (req.method === 'GET' && /^\/[^/?]+\/?(\?|$)/.test(url));
    const isRead = (req.method === 'GET' || req.method === 'HEAD') && !isList && /^\/[^/?]+\/[^?]/.test(url);
    if (req.method === 'PUT' && /^\/[^/?]+\/[^?]/.test(url) && proxy.cutWrites > 0 && (proxy.cutOnly?.test(url) ?? true)) {
      proxy.cutWrites--;
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= 16 * 1024) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (req.method === 'PUT' && /^\/[^/?]+\/[^?]/.test(url) && proxy.deny.has(Deny.WRITES)) {
      req.on('end', () => accessDenied(req, res));
      req.resume();
      return;
    }
    if ((isList && proxy.deny.has(Deny.LIST)) || (isRead && proxy.deny.has(Deny.READS))) {
      req.resume();
      return accessDenied(req, res);
    }
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: url, headers: req.headers }, (up) => {
      if (isRead && up.statusCode === 404 && proxy.deny.has(Deny.MISSING)) {
        up.resume();
        return accessDenied(req, res);
      }
      const headers = { ...up.headers };
      if (req.method === 'HEAD' && proxy.stripHeadLength) delete headers['content-length'];
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The same object the handler reads, so a test's changes to `cutWrites` reach it.
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  });
}

function accessDenied(req: IncomingMessage, res: ServerResponse): void {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>' +
    '<RequestId>DENIED0000000000</RequestId><HostId>proxy</HostId></Error>';
  res.writeHead(403, { 'Content-Type': 'application/xml', 'x-amz-request-id': 'DENIED0000000000' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
