import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Authenticator } from '../../ports/authenticator.ts';
import type { SqlSessions } from '../../ports/sql-session.ts';
import type { ByteBudget } from './packet-framing.ts';

/** Everything one connection of the MySQL door needs from the server that accepted it. */
export interface MysqlDoorOptions {
  sessions: SqlSessions;
  authenticator: Authenticator;
  /** TLS when a certificate is configured; `required` refuses connections that do not upgrade. */
  tls?: { context: SecureContext; required: boolean };
  /** One message (a command with its SQL or parameters); a larger one is dropped unread and refused. */
  maxMessageBytes: number;
  /** The SQL one COM_QUERY or execution may carry. */
  maxSqlBytes: number;
  /** Messages larger than this wait their turn in `runQueue` before they are parsed and run. */
  smallMessageBytes: number;
  retryAfterSeconds: number;
  budget: ByteBudget;
  runQueue: { enter(bytes: number): Promise<() => void> };
  /** The listener's limits (bin/listener-limits.ts NetConnections). */
  limits: { established(socket: Socket): void; busy(socket: Socket): () => void };
  nextConnectionId(): number;
}
