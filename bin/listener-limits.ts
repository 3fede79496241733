/**
 * The limits every listener of `starbackup serve` applies (the HTTP API now, the MySQL door next), and the
 * code that applies them, so that each door holds up the same way under abuse: slow or half-open
 * connections are closed, the number of connections is capped, and request bodies share one byte budget
 * (bin/body-budget.ts).
 * The numbers are production defaults; tests pass smaller ones.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { MAX_ALLOWED_PACKET } from '../lib/domain/session-variables.ts';
import { MAX_STATEMENT_BYTES } from '../lib/sql/token-stream.ts';

export interface ListenerLimits {
  /** HTTP: to send a request's headers (a connection that sends nothing is closed too); net: to finish the handshake. */
  headersTimeoutMs: number;
  /** HTTP: to send a whole request, headers and body. Not the time a statement may run. */
  requestTimeoutMs: number;
  /** HTTP: an idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** No byte moving for this long while the server is not working for the client: HTTP while a response is written, net between statements. */
  idleTimeoutMs: number;
  /** Connections per listener; at the cap a new one replaces the oldest not in use, or is closed at once. */
  maxConnections: number;
  /** HTTP request line and headers. */
  maxHeaderBytes: number;
  /** One request body (the JSON envelope). */
  maxBodyBytes: number;
  /** The SQL one request may carry (UTF-8): a body may need up to 6 bytes to encode one byte of SQL. */
  maxSqlBytes: number;
  /** Bodies larger than smallBodyBytes in flight, all requests of all listeners together. */
  bodyBudgetBytes: number;
  /** A body up to this size is charged this size to its own share, so large bodies never crowd out SHOW or CANCEL. */
  smallBodyBytes: number;
  /** The share of small requests: smallBudgetBytes / smallBodyBytes of them may be in flight. */
  smallBudgetBytes: number;
  /** Larger bodies parsed and running at once (one larger than this runs alone); the others wait in order. */
  runBudgetBytes: number;
  /** What a request refused for the budget is told to wait. */
  retryAfterSeconds: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const DEFAULT_LISTENER_LIMITS: Readonly<ListenerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 10 * 60_000,
  maxConnections: 128,
  maxHeaderBytes: 16 * KiB,
  // The largest statement the parser takes, every byte escaped as \u00XX, plus the envelope and a database name.
  maxBodyBytes: MAX_ALLOWED_PACKET,
  maxSqlBytes: MAX_STATEMENT_BYTES,
  bodyBudgetBytes: 8 * MiB,
  smallBodyBytes: 16 * KiB,
  smallBudgetBytes: 2 * MiB,
  runBudgetBytes: 2 * MiB,
  retryAfterSeconds: 1,
});

/** The defaults with overrides, checked so that one request of the largest size always fits the budget. */
export function listenerLimits(overrides: Partial<ListenerLimits> = {}): ListenerLimits {
  const limits = { ...DEFAULT_LISTENER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`listener limit ${name} must be a positive integer, not ${value}`);
  }
  const order: [keyof ListenerLimits, keyof ListenerLimits][] = [
    ['headersTimeoutMs', 'requestTimeoutMs'], ['smallBodyBytes', 'maxBodyBytes'], ['maxBodyBytes', 'bodyBudgetBytes'], ['smallBodyBytes', 'smallBudgetBytes'],
    ['smallBodyBytes', 'runBudgetBytes'], ['runBudgetBytes', 'bodyBudgetBytes'],
  ];
  for (const [low, high] of order) {
    if (limits[low] > limits[high]) throw new Error(`listener limit ${low} (${limits[low]}) must not exceed ${high} (${limits[high]})`);
  }
  return limits;
}

/**
 * The connection cap of one listener. At the cap a new connection takes the place of the oldest one not
 * in use (HTTP: between requests or still sending its headers; raw: before its handshake is done), so a
 * flood of idle or half-open connections cannot lock clients out; when every one is in use, the new one
 * is closed at once, without a word.
 */
class ConnectionCap {
  /** In the order they came: the first one not in use is the oldest. */
  private readonly open = new Set<Socket>();
  private readonly uses = new Map<Socket, number>();

  constructor(private readonly max: number, private readonly refused: () => void) {}

  admit(socket: Socket): void {
    if (this.open.size >= this.max) {
      const idle = [...this.open].find((s) => !this.uses.get(s));
      if (!idle) {
        socket.destroy();
        this.refused();
        return;
      }
      this.forget(idle);
      idle.destroy();
    }
    this.open.add(socket);
    socket.once('close', () => this.forget(socket));
  }

  /** The connection is in use until the result is called. */
  use(socket: Socket): () => void {
    if (!this.open.has(socket)) return () => undefined;
    this.uses.set(socket, (this.uses.get(socket) ?? 0) + 1);
    let done = false;
    return () => {
      if (done || !this.uses.has(socket)) return;
      done = true;
      this.uses.set(socket, this.uses.get(socket)! - 1);
    };
  }

  private forget(socket: Socket): void {
    this.open.delete(socket);
    this.uses.delete(socket);
  }
}

/**
 * Node's own cap, kept above ours as a backstop: it counts closed connections until their close event,
 * which a burst of them outruns.
 */
const backstop = (limits: ListenerLimits) => 2 * limits.maxConnections;

/**
 * Applies the timeouts, the connection cap and the header size to an HTTP server; call it before listen.
 * `refused` hears of each connection closed at the cap.
 */
export function applyHttpLimits(server: HttpServer, limits: ListenerLimits, refused: () => void = () => undefined): void {
  if (server.listening) throw new Error('apply the listener limits before listen(): the timeout checker starts then');
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  const settable = server as HttpServer & { connectionsCheckingInterval?: number; maxHeaderSize?: number };
  // How often node looks for requests past those timeouts (default 30 s); read when it starts listening.
  settable.connectionsCheckingInterval = checkingInterval(limits);
  // Read for each new connection.
  settable.maxHeaderSize = limits.maxHeaderBytes;
  server.maxConnections = backstop(limits);
  const cap = new ConnectionCap(limits.maxConnections, refused);
  server.on('connection', (socket: Socket) => cap.admit(socket));
  // A connection is in use from a request's headers to the end of its response. (A server that answers
  // "checkContinue" itself emits "request" for those requests, so that they count too.)
  server.on('request', (req: IncomingMessage, res: { once(event: 'close', f: () => void): unknown }) => res.once('close', cap.use(req.socket)));
}

/** A response the client does not read is dropped after the idle timeout instead of being held. */
export function limitResponseWrite(res: { setTimeout(ms: number, cb: () => void): unknown; destroy(): unknown }, limits: ListenerLimits): void {
  res.setTimeout(limits.idleTimeoutMs, () => res.destroy());
}

function checkingInterval(limits: ListenerLimits): number {
  return Math.max(10, Math.min(1_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

/** What a raw TCP listener (the MySQL door) tells the limits about each connection. */
export interface NetConnections {
  /** The handshake is done: from now on the connection may be idle for idleTimeoutMs, and is not given up for a new one at the cap. */
  established(socket: Socket): void;
  /** The server works for this connection (a statement runs): it is not idle however long that takes. Call the result when done. */
  busy(socket: Socket): () => void;
}

/**
 * Applies the connection cap and the timeouts to a raw TCP server: a connection has headersTimeoutMs to
 * finish its handshake, then may stay silent for idleTimeoutMs between statements; either ends it.
 */
export function applyNetLimits(server: NetServer, limits: ListenerLimits, refused: () => void = () => undefined): NetConnections {
  server.maxConnections = backstop(limits);
  const cap = new ConnectionCap(limits.maxConnections, refused);
  const working = new WeakMap<Socket, number>();
  const established = new WeakSet<Socket>();
  server.on('connection', (socket: Socket) => {
    cap.admit(socket);
    if (socket.destroyed) return;
    socket.setTimeout(limits.headersTimeoutMs);
    socket.on('timeout', () => {
      if (!working.get(socket)) socket.destroy();
    });
  });
  return {
    established: (socket) => {
      socket.setTimeout(limits.idleTimeoutMs);
      if (established.has(socket)) return;
      established.add(socket);
      cap.use(socket);
    },
    busy: (socket) => {
      working.set(socket, (working.get(socket) ?? 0) + 1);
      const release = cap.use(socket);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        release();
        working.set(socket, (working.get(socket) ?? 1) - 1);
        // A timeout that fired while busy is not repeated by itself: start the idle clock again.
        if (!socket.destroyed) socket.setTimeout(socket.timeout ?? limits.idleTimeoutMs);
      };
    },
  };
}
