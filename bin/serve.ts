/**
 * `starbackup serve`: the HTTP API of the cloud stack (`POST /v1/sql`, same shapes) and StarRocks' MySQL
 * query port for an embedded home, on 127.0.0.1 unless told otherwise. HTTP callers present the bearer
 * token kept in the home (root) or a user's password (HTTP Basic, bin/http-auth.ts); MySQL clients log in with an account of the catalog (root until others exist). BACKUP and RESTORE answer once the job is
 * accepted; the job runs on in this process, and SHOW BACKUP/RESTORE follow it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ErrorName, errorMessage } from '../lib/domain/errors.ts';
import { type ApiResponse, ApiErrorCode } from '../lib/domain/api-types.ts';
import { checkRoute, errorResponse, handleSqlRequest, serverBusy, tooLarge } from '../lib/api/api-request.ts';
import { Door } from '../lib/access/trust-policy.ts';
import { mysqlSessions } from '../lib/api/mysql-session.ts';
import { accountAuthenticator } from '../lib/access/account-authenticator.ts';
import { AccountStore, IMPLICIT_ROOT } from '../lib/access/account-store.ts';
import { describeRecovered, openEmbedded, readHomeConfig } from './embedded-runtime.ts';
import { type MysqlListener, startMysqlListener } from './mysql-listener.ts';
import { BodyBudget, RunQueue, readLimitedBody } from './body-budget.ts';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits, applyHttpLimits, limitResponseWrite, listenerLimits } from './listener-limits.ts';
import { type ServerInfo, runningServer, serverFiles } from './server-client.ts';
import { type HttpUser, WWW_AUTHENTICATE, authenticateHttp, clientHostOf } from './http-auth.ts';

export interface ServeOptions {
  home: string;
  /** The HTTP port; 0 picks a free port. */
  port: number;
  /** The MySQL port; 0 picks a free port; undefined serves no MySQL door. */
  mysqlPort?: number;
  /** The address both doors listen on; 127.0.0.1 when unset. */
  host?: string;
  /** Overrides of the limits in bin/listener-limits.ts (timeouts, connections, body sizes and budget). */
  limits?: Partial<ListenerLimits>;
}

export interface LocalServer {
  port: number;
  /** The MySQL door's port, when it serves one. */
  mysqlPort?: number;
  host: string;
  home: string;
  tokenFile: string;
  /** Whether root could log in through the MySQL door with no password (its password never set): read at start. */
  rootPasswordEmpty: boolean;
  /** Stops listening, then waits for running jobs before closing the store. */
  close(): Promise<void>;
}

/** One request's body; `starbackup sql` splits a larger script into several requests. */
export const LOCAL_MAX_BODY_BYTES = DEFAULT_LISTENER_LIMITS.maxBodyBytes;

/** What every request of one server shares. */
interface Listener {
  token: string;
  accounts: AccountStore;
  limits: ListenerLimits;
  budget: BodyBudget;
  queue: RunQueue;
}

export async function startServer(options: ServeOptions): Promise<LocalServer> {
  const home = resolve(options.home);
  const files = serverFiles(home);
  const other = runningServer(home);
  if (other) throw new Error(`home ${home} is already served by process ${other.pid} on port ${other.port}`);
  const host = options.host ?? '127.0.0.1';
  const config = readHomeConfig(home);
  const embedded = await openEmbedded(home, { door: Door.SERVER });
  for (const line of describeRecovered(embedded.recovered)) process.stderr.write(`${line}\n`);
  const token = ensureToken(files.token);
  const limits = listenerLimits(options.limits);
  // One budget and one run queue per process: both doors take the same ones.
  const accounts = new AccountStore(embedded.ctx.catalog.table);
  const listener: Listener = { token, accounts, limits, budget: new BodyBudget(limits), queue: new RunQueue(limits.runBudgetBytes) };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    respond(req, res, listener, (body, user) => handleSqlRequest(embedded.ctx, body, limits.maxBodyBytes, limits.maxSqlBytes, undefined, user)).catch((e: unknown) => {
      send(res, errorResponse(500, ErrorName.Internal, errorMessage(e)));
    });
  };
  const server = createServer(handle);
  // "Expect: 100-continue" requests go to handle too, which says "100 Continue" only once the body fits: a refused body is never sent.
  server.on('checkContinue', (req, res) => server.emit('request', req, res));
  const refused = (door: string) => rateLimited(10_000, () => {
    process.stderr.write(`starbackup serve: refused a ${door} connection: ${limits.maxConnections} are open and in use, the limit\n`);
  });
  applyHttpLimits(server, limits, refused('HTTP'));
  let port: number;
  let mysql: MysqlListener | undefined;
  let rootPasswordEmpty = true;
  try {
    rootPasswordEmpty = (await accounts.get(IMPLICIT_ROOT))?.passwordHash === '';
    port = await listen(server, host, options.port);
    if (options.mysqlPort !== undefined) {
      mysql = await startMysqlListener({
        host, port: options.mysqlPort, config, limits, budget: listener.budget, queue: listener.queue, refused: refused('MySQL'),
        sessions: mysqlSessions(embedded.ctx), authenticator: accountAuthenticator(accounts),
      });
    }
    const info: ServerInfo = {
      port, ...(mysql ? { mysqlPort: mysql.port } : {}), host, pid: process.pid, limits: { maxBodyBytes: limits.maxBodyBytes, maxSqlBytes: limits.maxSqlBytes },
    };
    writeFileSync(files.info, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  } catch (e) {
    server.close();
    await mysql?.close();
    await embedded.close();
    throw e;
  }
  return {
    port,
    ...(mysql ? { mysqlPort: mysql.port } : {}),
    host,
    home,
    tokenFile: files.token,
    rootPasswordEmpty,
    close: async () => {
      await Promise.all([
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        }),
        mysql?.close(),
      ]);
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

async function respond(req: IncomingMessage, res: ServerResponse, listener: Listener, run: (body: Buffer, user: HttpUser) => Promise<ApiResponse>): Promise<void> {
  const { limits } = listener;
  // A request refused before its body is read leaves that body unread: the connection is closed, not drained.
  const unread: Record<string, string> = hasBody(req) ? { connection: 'close' } : {};
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  const wrongRoute = checkRoute(req.method ?? 'GET', path);
  if (wrongRoute) return send(res, wrongRoute, unread);
  const auth = await authenticateHttp(req.headers.authorization, clientHostOf(req.socket.remoteAddress), listener.token, listener.accounts);
  if (!auth.ok) return send(res, errorResponse(401, ApiErrorCode.Unauthorized, auth.message), { 'www-authenticate': WWW_AUTHENTICATE, ...unread });
  const read = await readLimitedBody(req, limits, listener.budget, () => {
    if (/^100-continue$/i.test(req.headers.expect ?? '')) res.writeContinue();
  });
  if (!read.ok) {
    if (read.refused === 'too-large') return send(res, tooLarge(limits.maxBodyBytes), { connection: 'close' });
    if (read.refused === 'busy') return send(res, serverBusy(limits.retryAfterSeconds), { connection: 'close', 'retry-after': String(limits.retryAfterSeconds) });
    return; // aborted: the client is gone (or took longer than requestTimeoutMs)
  }
  // A large body waits its turn to be parsed and run (see RunQueue); a small one goes ahead.
  const ran = read.body.length > limits.smallBodyBytes ? await listener.queue.enter(read.body.length) : () => undefined;
  try {
    const response = await run(read.body, auth.user);
    limitResponseWrite(res, limits);
    send(res, response);
  } finally {
    ran();
    read.reservation.release();
  }
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function rateLimited(everyMs: number, action: () => void): () => void {
  let last = -Infinity;
  return () => {
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    action();
  };
}

function send(res: ServerResponse, response: ApiResponse, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    // Loopback by default: the token guards against other users of this machine, not against the network.
    server.listen(port, host, () => done((server.address() as AddressInfo).port));
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The CLI command: serves until SIGINT/SIGTERM; a second signal stops without waiting for jobs. */
export async function serve(options: ServeOptions, log: (line: string) => void): Promise<void> {
  const server = await startServer(options);
  const shown = server.host.includes(':') ? `[${server.host}]` : server.host;
  log(`starbackup serve: POST http://${shown}:${server.port}/v1/sql for home ${server.home}; bearer token in ${server.tokenFile}`);
  if (server.mysqlPort !== undefined) log(`starbackup serve: MySQL protocol on ${shown}:${server.mysqlPort} (mysql -h ${server.host} -P ${server.mysqlPort} -uroot)`);
  if (server.mysqlPort !== undefined && !isLoopback(server.host) && server.rootPasswordEmpty) {
    log(`starbackup serve: warning: ${server.host} is not a loopback address, and root has an empty password: whoever reaches port ${server.mysqlPort} logs in as root; set one with ALTER USER root IDENTIFIED BY '…', or keep the port behind a firewall`);
  }
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
