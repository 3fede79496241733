/**
 * The MySQL door of `starbackup serve` (StarRocks' FE query port): a TCP listener under the same limits,
 * byte budget and run queue as the HTTP API, each connection served by lib/adapters/mysql.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { type SecureContext, createSecureContext } from 'node:tls';
import type { HomeConfig } from '../lib/domain/home-config.ts';
import { errorMessage } from '../lib/domain/errors.ts';
import type { Authenticator } from '../lib/ports/authenticator.ts';
import type { SqlSessions } from '../lib/ports/sql-session.ts';
import { serveMysqlConnection } from '../lib/adapters/mysql/connection.ts';
import type { BodyBudget, RunQueue } from './body-budget.ts';
import { type ListenerLimits, applyNetLimits } from './listener-limits.ts';

export interface MysqlListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  sessions: SqlSessions;
  authenticator: Authenticator;
  config: HomeConfig;
  limits: ListenerLimits;
  budget: BodyBudget;
  queue: RunQueue;
  refused(): void;
}

export interface MysqlListener {
  port: number;
  /** Stops listening and ends every connection, each once its running command (if any) is answered. */
  close(): Promise<void>;
}

export async function startMysqlListener(options: MysqlListenerOptions): Promise<MysqlListener> {
  const tls = tlsOf(options.config);
  const server = createServer();
  const net = applyNetLimits(server, options.limits, options.refused);
  /** Each open connection and how many commands it is running: one that runs none is ended at close at once. */
  const running = new Map<Socket, number>();
  const connections = new Set<Promise<void>>();
  let closing = false;
  let lastId = 0;
  server.on('connection', (socket: Socket) => {
    if (socket.destroyed) return;
    socket.on('error', () => socket.destroy());
    running.set(socket, 0);
    const served = serveMysqlConnection(socket, {
      sessions: options.sessions,
      authenticator: options.authenticator,
      ...(tls ? { tls } : {}),
      maxMessageBytes: options.limits.maxBodyBytes,
      maxSqlBytes: options.limits.maxSqlBytes,
      smallMessageBytes: options.limits.smallBodyBytes,
      retryAfterSeconds: options.limits.retryAfterSeconds,
      budget: options.budget,
      runQueue: options.queue,
      limits: {
        established: (s) => net.established(s),
        busy: (s) => {
          const done = net.busy(s);
          running.set(s, (running.get(s) ?? 0) + 1);
          return () => {
            done();
            running.set(s, running.get(s)! - 1);
            if (closing) s.destroy();
          };
        },
      },
      nextConnectionId: () => (lastId = (lastId % 0x7fffffff) + 1),
    }).catch((e: unknown) => {
      process.stderr.write(`starbackup serve: a MySQL connection failed: ${errorMessage(e)}\n`);
    }).finally(() => {
      running.delete(socket);
      socket.destroy();
      connections.delete(served);
    });
    connections.add(served);
  });
  const port = await new Promise<number>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host, () => done((server.address() as AddressInfo).port));
  });
  return {
    port,
    close: async () => {
      closing = true;
      const stopped = new Promise<void>((done) => server.close(() => done()));
      for (const [socket, busy] of running) if (!busy) socket.destroy();
      await Promise.all([stopped, ...connections]);
    },
  };
}

function tlsOf(config: HomeConfig): { context: SecureContext; required: boolean } | undefined {
  if (!config.ssl) return undefined;
  const read = (file: string, key: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`cannot read ${key} ${file}: ${errorMessage(e)}`);
    }
  };
  const cert = read(config.ssl.certFile, 'ssl_cert_file');
  const key = read(config.ssl.keyFile, 'ssl_key_file');
  try {
    return { context: createSecureContext({ cert, key }), required: config.sslForceSecureTransport === true };
  } catch (e) {
    throw new Error(`ssl_cert_file ${config.ssl.certFile} and ssl_key_file ${config.ssl.keyFile} do not make a TLS certificate: ${errorMessage(e)}`);
  }
}
