/**
 * The command phase: each message is one command, answered before the next is read. Statements run on
 * the connection's SqlSession; large messages wait in the shared run queue first.
 */
import type { Socket } from 'node:net';
import { errorMessage } from '../../domain/errors.ts';
import type { MysqlError } from '../../domain/mysql-errors.ts';
import type { SqlSession } from '../../ports/sql-session.ts';
import { Capability, Command, ServerStatus } from './capabilities.ts';
import type { Login } from './connection.ts';
import type { MysqlDoorOptions } from './door-options.ts';
import type { MessageStream } from './message-stream.ts';
import type { Framed } from './packet-framing.ts';
import { PreparedStatements } from './prepared-statements.ts';
import { columnDefinition, okPacket } from './responses.ts';
import { ProtocolError } from './wire-buffer.ts';
import { malformedPacket, serverBusy, tooLargePacket, tooMuchSql, unknownCommand } from './door-errors.ts';
import { type PacketSink, endResultSet, writeError, writeOutcome } from './result-writer.ts';

const OK_STATUS = ServerStatus.AUTOCOMMIT;

export class CommandHandler implements PacketSink {
  readonly deprecateEof: boolean;
  readonly sessionTrack: boolean;
  private readonly prepared: PreparedStatements;

  constructor(
    private readonly socket: Socket, private readonly messages: MessageStream, private readonly options: MysqlDoorOptions,
    private readonly login: Login, private readonly session: SqlSession,
  ) {
    this.deprecateEof = (login.capabilities & Capability.DEPRECATE_EOF) !== 0;
    this.sessionTrack = (login.capabilities & Capability.SESSION_TRACK) !== 0;
    this.prepared = new PreparedStatements(this, this.session, options);
  }

  send(payload: Buffer): void {
    this.messages.send(payload);
  }

  async serve(): Promise<void> {
    for (;;) {
      const m = await this.messages.next();
      if (!m) return;
      if (m.kind === 'refused') {
        writeError(this, this.refusal(m));
        continue;
      }
      const done = this.options.limits.busy(this.socket);
      try {
        if (m.payload[0] === Command.QUIT) return this.messages.close();
        await this.command(m.payload);
      } catch (e) {
        // A malformed command (MySQL's ER_MALFORMED_PACKET) or a fault of ours: the client hears of it and may go on.
        writeError(this, e instanceof ProtocolError ? malformedPacket(e.message) : internalFault(e));
      } finally {
        m.reservation.release();
        done();
      }
    }
  }

  private async command(payload: Buffer): Promise<void> {
    const body = payload.subarray(1);
    switch (payload[0]) {
      case Command.PING: return this.ok();
      case Command.INIT_DB: {
        const used = await this.session.useDatabase(body.toString('utf8'));
        return writeOutcome(this, used, false, false);
      }
      case Command.QUERY: return this.query(body);
      case Command.FIELD_LIST: return this.fieldList(body);
      case Command.STMT_PREPARE: return this.prepared.prepare(body.toString('utf8'));
      case Command.STMT_EXECUTE: return this.whenItsTurn(payload.length, () => this.prepared.execute(body));
      case Command.STMT_SEND_LONG_DATA: return this.prepared.longData(body);
      case Command.STMT_CLOSE: return this.prepared.close(body);
      case Command.STMT_RESET: return this.prepared.reset(body);
      default:
        return writeError(this, unknownCommand(payload[0] ?? 0));
    }
  }

  private ok(): void {
    this.send(okPacket({ status: OK_STATUS }));
  }

  private async query(body: Buffer): Promise<void> {
    if (body.length > this.options.maxSqlBytes) return writeError(this, tooMuchSql(body.length, this.options.maxSqlBytes));
    const multi = (this.login.capabilities & Capability.MULTI_STATEMENTS) !== 0;
    await this.whenItsTurn(body.length, () => this.session.runScript(body.toString('utf8'), multi, async (outcome, more) => {
      writeOutcome(this, outcome, more, false, this.session.database ?? '');
    }));
  }

  /** A large message is parsed and run when the shared run queue lets it (bin/body-budget.ts RunQueue). */
  async whenItsTurn(bytes: number, run: () => Promise<void>): Promise<void> {
    const leave = bytes > this.options.smallMessageBytes ? await this.options.runQueue.enter(bytes) : () => undefined;
    try {
      await run();
    } finally {
      leave();
    }
  }

  private async fieldList(body: Buffer): Promise<void> {
    const end = body.indexOf(0);
    const table = body.subarray(0, end < 0 ? body.length : end).toString('utf8');
    const listed = await this.session.fieldList(table);
    if ('error' in listed) return writeError(this, listed.error);
    for (const name of listed.columns) this.send(columnDefinition({ name, table, schema: this.session.database ?? '' }));
    endResultSet(this, OK_STATUS);
  }

  private refusal(m: Extract<Framed, { kind: 'refused' }>): MysqlError {
    return m.reason === 'busy' ? serverBusy(this.options.retryAfterSeconds) : tooLargePacket(this.options.maxMessageBytes);
  }
}

/**
 * A fault of ours outside any statement: its message may name internals, so the client hears only its
 * class (MySQL's ER_UNKNOWN_ERROR) and the server's stderr gets the message.
 */
function internalFault(e: unknown): { errno: number; sqlstate: string; message: string } {
  process.stderr.write(`starbackup serve: MySQL command failed: ${errorMessage(e)}\n`);
  const kind = e instanceof Error ? e.constructor.name : typeof e;
  return { errno: 1105, sqlstate: 'HY000', message: `Internal error (${kind}); the server's log has the details` };
}
