/**
 * `starbackup serve`: the HTTP API of the cloud stack (`POST /v1/sql`, same shapes) on 127.0.0.1 for an
 * embedded home. Callers present the bearer token kept in the home. BACKUP and RESTORE answer once the
 * job is accepted; the job runs on in this process, and SHOW BACKUP/RESTORE follow it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ErrorName, errorMessage } from '../lib/domain/errors.ts';
import { type ApiResponse, ApiErrorCode, checkRoute, errorResponse, handleSqlRequest, tooLarge } from '../lib/phases/api-request.ts';
import { describeRecovered, openEmbedded } from './embedded-runtime.ts';
import { runningServer, serverFiles } from './server-client.ts';

export interface ServeOptions {
  home: string;
  /** 0 picks a free port. */
  port: number;
  /** Larger than the cloud API's 1 MiB: a local `sql -f` script may be big, and the server is only ours. */
  maxBodyBytes?: number;
}

export interface LocalServer {
  port: number;
  home: string;
  tokenFile: string;
  /** Stops listening, then waits for running jobs before closing the store. */
  close(): Promise<void>;
}

export const LOCAL_MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startServer(options: ServeOptions): Promise<LocalServer> {
  const home = resolve(options.home);
  const files = serverFiles(home);
  const other = runningServer(home);
  if (other) throw new Error(`home ${home} is already served by process ${other.pid} on port ${other.port}`);
  const embedded = await openEmbedded(home);
  for (const line of describeRecovered(embedded.recovered)) process.stderr.write(`${line}\n`);
  const token = ensureToken(files.token);
  const maxBytes = options.maxBodyBytes ?? LOCAL_MAX_BODY_BYTES;
  const server = createServer((req, res) => {
    respond(req, res, token, maxBytes, (body) => handleSqlRequest(embedded.ctx, body, maxBytes)).catch((e: unknown) => {
      send(res, errorResponse(500, ErrorName.Internal, errorMessage(e)));
    });
  });
  let port: number;
  try {
    port = await listen(server, options.port);
    writeFileSync(files.info, `${JSON.stringify({ port, pid: process.pid })}\n`, { mode: 0o600 });
  } catch (e) {
    server.close();
    await embedded.close();
    throw e;
  }
  return {
    port,
    home,
    tokenFile: files.token,
    close: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      rmSync(files.info, { force: true });
      await embedded.close();
    },
  };
}

/** The token is made once per home, so clients configured with it keep working across restarts. */
function ensureToken(file: string): string {
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

async function respond(req: IncomingMessage, res: ServerResponse, token: string, maxBytes: number, run: (body: Buffer) => Promise<ApiResponse>): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const wrongRoute = checkRoute(req.method ?? 'GET', path);
  if (wrongRoute) return send(res, wrongRoute);
  if (!bearerMatches(req.headers.authorization, token)) {
    return send(res, errorResponse(401, ApiErrorCode.Unauthorized, 'Missing or wrong bearer token: send "Authorization: Bearer <token>" with the token in <home>/server-token'), { 'www-authenticate': 'Bearer' });
  }
  const body = await readBody(req, maxBytes);
  if (body === undefined) return send(res, tooLarge(maxBytes), { connection: 'close' });
  send(res, await run(body));
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The body, or undefined once it is larger than the limit (the rest is not read). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: ApiResponse, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(response.status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(response.body));
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    // Loopback only: the token guards against other users of this machine, not against the network.
    server.listen(port, '127.0.0.1', () => done((server.address() as AddressInfo).port));
  });
}

/** The CLI command: serves until SIGINT/SIGTERM; a second signal stops without waiting for jobs. */
export async function serve(options: ServeOptions, log: (line: string) => void): Promise<void> {
  const server = await startServer(options);
  log(`starbackup serve: POST http://127.0.0.1:${server.port}/v1/sql for home ${server.home}; bearer token in ${server.tokenFile}`);
  await new Promise<void>((stopped) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`starbackup serve: ${signal} again, stopping without waiting for running jobs`);
        process.exit(130);
      }
      stopping = true;
      log('starbackup serve: stopping; waiting for running jobs to end (send the signal again to stop now)');
      server.close().then(stopped, (e: unknown) => {
        log(`starbackup serve: ${errorMessage(e)}`);
        stopped();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
