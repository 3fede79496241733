/**
 * The IAM gate: every AWS request a function makes passes through here. The request's access key says
 * which role signed it (each function process gets its role's own fake credentials), the service part
 * (gate-*.ts) says which action on which resource it is, and the role's policies from the template decide.
 * A denial is answered as the service answers it and recorded with role, action and resource, so a test
 * fails on any grant the stack forgot.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestContext, RolePolicies } from './iam-policies.ts';

export interface Principal {
  /** What the messages call it: the function or role name. */
  name: string;
  roleArn: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface Denial {
  role: string;
  action: string;
  resource: string;
  context?: RequestContext;
}

/** A parsed SigV4 Authorization header. */
export interface Signature {
  accessKeyId: string;
  region: string;
  service: string;
}

export class IamGate {
  readonly denials: Denial[] = [];
  /** Requests signed for another region than the resource's: each one a client that lost the stack's region. */
  readonly wrongRegion: { principal: string; service: string; region: string }[] = [];
  /** Actions allowed, by role name: what the scenarios exercised. */
  readonly allowed = new Map<string, Set<string>>();
  private readonly principals = new Map<string, Principal>();

  constructor(readonly policies: RolePolicies) {}

  /** Fake temporary credentials that identify `principal` to the gate. */
  credentialsFor(principal: Principal): Credentials {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.principals.set(accessKeyId, principal);
    return { accessKeyId, secretAccessKey: randomBytes(20).toString('base64'), sessionToken: randomBytes(32).toString('base64') };
  }

  /** Long-term keys of an IAM user outside the stack (a repository's own access keys). */
  addUser(accessKeyId: string, principal: Principal): void {
    this.principals.set(accessKeyId, principal);
  }

  principalOf(signature: Signature | undefined): Principal | undefined {
    return signature ? this.principals.get(signature.accessKeyId) : undefined;
  }

  /** IAM's decision for one action; a denial is recorded. */
  check(principal: Principal, action: string, resource: string, context: RequestContext = {}): boolean {
    if (this.policies.allows(principal.roleArn, action, resource, context)) {
      const seen = this.allowed.get(principal.name) ?? new Set();
      seen.add(action);
      this.allowed.set(principal.name, seen);
      return true;
    }
    this.denials.push({ role: principal.name, action, resource, ...(Object.keys(context).length ? { context } : {}) });
    return false;
  }

  /** Like check, without recording: S3's "may this caller learn that a key is missing" question. */
  quietlyAllows(principal: Principal, action: string, resource: string, context: RequestContext = {}): boolean {
    return this.policies.allows(principal.roleArn, action, resource, context);
  }

  checkRegion(principal: Principal, signature: Signature, expected: readonly string[]): void {
    if (!expected.includes(signature.region)) this.wrongRegion.push({ principal: principal.name, service: signature.service, region: signature.region });
  }

  /** The denials so far, as a test failure message would list them; empties the list. */
  takeDenials(): Denial[] {
    return this.denials.splice(0);
  }
}

export function parseSignature(req: IncomingMessage): Signature | undefined {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
  return m ? { accessKeyId: m[1]!, region: m[2]!, service: m[3]! } : undefined;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Sends the request on to the real (test) server and the answer back, optionally rewriting it first. */
export function forward(
  req: IncomingMessage, body: Buffer, res: ServerResponse, upstream: string,
  options: { headers?: Record<string, string>; onResponse?: (status: number) => boolean } = {},
): Promise<void> {
  const url = new URL(req.url ?? '/', upstream);
  const headers = { ...req.headers, ...options.headers, host: url.host };
  return new Promise((resolve, reject) => {
    const out = httpRequest(url, { method: req.method, headers }, (up) => {
      // onResponse may answer itself (S3's 403 for a key the caller may not learn is missing).
      if (options.onResponse && !options.onResponse(up.statusCode ?? 500)) {
        up.resume();
        resolve();
        return;
      }
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

export interface GateServer {
  endpoint: string;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 whose handler failures become 500s (and are kept for the test to report). */
export async function startGateServer(name: string, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, failures: string[]): Promise<GateServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      failures.push(`${name} gate: ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('gate failure');
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
