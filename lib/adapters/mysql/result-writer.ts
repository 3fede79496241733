/** Writes statement outcomes as MySQL responses, in the text protocol (COM_QUERY) or binary one (COM_STMT_EXECUTE). */
import type { QueryOutcome } from '../../ports/sql-session.ts';
import { ServerStatus } from './capabilities.ts';
import { binaryRow, columnDefinition, eofPacket, errPacket, okPacket, textRow } from './responses.ts';
import type { MysqlError } from '../../domain/mysql-errors.ts';
import { WireWriter } from './wire-buffer.ts';

export interface PacketSink {
  send(payload: Buffer): void;
  /** CLIENT_DEPRECATE_EOF: result sets end with an OK packet, and no EOF follows the column definitions. */
  readonly deprecateEof: boolean;
  /** CLIENT_SESSION_TRACK: an OK packet's info is length-encoded. */
  readonly sessionTrack: boolean;
}

export function writeOutcome(sink: PacketSink, outcome: QueryOutcome, more: boolean, binary: boolean, schema = ''): void {
  const status = ServerStatus.AUTOCOMMIT | (more ? ServerStatus.MORE_RESULTS_EXISTS : 0);
  if (outcome.kind === 'error') return writeError(sink, outcome.error);
  if (outcome.kind === 'ok') {
    return sink.send(okPacket({ status, affectedRows: outcome.affectedRows, ...(outcome.info ? { info: outcome.info, sessionTrack: sink.sessionTrack } : {}) }));
  }
  sink.send(new WireWriter().lenencInt(outcome.columns.length).build());
  for (const name of outcome.columns) sink.send(columnDefinition({ name, schema }));
  if (!sink.deprecateEof) sink.send(eofPacket(status));
  const row = binary ? binaryRow : textRow;
  for (const cells of outcome.rows) sink.send(row(cells));
  endResultSet(sink, status);
}

export function writeError(sink: PacketSink, e: MysqlError): void {
  sink.send(errPacket(e.errno, e.sqlstate, e.message));
}

export function endResultSet(sink: PacketSink, status: number): void {
  sink.send(sink.deprecateEof ? okPacket({ status }, true) : eofPacket(status));
}

