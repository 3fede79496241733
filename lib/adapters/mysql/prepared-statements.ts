/**
 * COM_STMT_PREPARE/EXECUTE/CLOSE/RESET over a session that only runs SQL text: a prepared statement is
 * its text and the offsets of its `?` placeholders; an execution substitutes the parameters as quoted
 * literals and runs the text, answering in binary rows.
 */
import type { SqlSession } from '../../ports/sql-session.ts';
import { mysqlErrorOf } from '../../domain/mysql-errors.ts';
import { ServerStatus } from './capabilities.ts';
import { tooMuchSql, unknownStatement } from './door-errors.ts';
import type { MysqlDoorOptions } from './door-options.ts';
import { placeholderOffsets, substitute } from './placeholders.ts';
import { columnDefinition, eofPacket, okPacket, prepareOk } from './responses.ts';
import { type PacketSink, writeError, writeOutcome } from './result-writer.ts';
import { executeStatementId, parseExecute } from './statement-params.ts';
import { WireReader } from './wire-buffer.ts';

interface Prepared {
  sql: string;
  offsets: number[];
  /** Parameter types of the last execution, which a client may not send again. */
  types: number[];
  /** A parameter came by COM_STMT_SEND_LONG_DATA, which is not kept: the execution is refused. */
  longData?: boolean;
}

/** Per connection, as MySQL's max_prepared_stmt_count bounds them per server. */
export const MAX_PREPARED_PER_CONNECTION = 1024;

export class PreparedStatements {
  private readonly statements = new Map<number, Prepared>();
  private lastId = 0;

  constructor(private readonly sink: PacketSink, private readonly session: SqlSession, private readonly options: Pick<MysqlDoorOptions, 'maxSqlBytes'>) {}

  prepare(sql: string): void {
    if (Buffer.byteLength(sql) > this.options.maxSqlBytes) return writeError(this.sink, tooMuchSql(Buffer.byteLength(sql), this.options.maxSqlBytes));
    if (this.statements.size >= MAX_PREPARED_PER_CONNECTION) {
      return writeError(this.sink, { errno: 1461, sqlstate: '42000', message: `Can't create more than max_prepared_stmt_count statements (current value: ${MAX_PREPARED_PER_CONNECTION})` });
    }
    let offsets: number[];
    try {
      offsets = placeholderOffsets(sql);
    } catch (e) {
      return writeError(this.sink, mysqlErrorOf(e));
    }
    const id = ++this.lastId;
    this.statements.set(id, { sql, offsets, types: [] });
    // The result's columns are known only once it runs: the execution's response describes them.
    this.sink.send(prepareOk(id, 0, offsets.length));
    if (offsets.length === 0) return;
    for (let i = 0; i < offsets.length; i++) this.sink.send(columnDefinition({ name: '?' }));
    if (!this.sink.deprecateEof) this.sink.send(eofPacket(ServerStatus.AUTOCOMMIT));
  }

  async execute(body: Buffer): Promise<void> {
    const id = executeStatementId(body);
    const stmt = this.statements.get(id);
    if (!stmt) return writeError(this.sink, unknownStatement(id, 'mysqld_stmt_execute'));
    if (stmt.longData) {
      stmt.longData = false;
      return writeError(this.sink, { errno: 1105, sqlstate: 'HY000', message: 'COM_STMT_SEND_LONG_DATA is not supported: send every parameter with COM_STMT_EXECUTE' });
    }
    const request = parseExecute(body, stmt.offsets.length, stmt.types);
    stmt.types = request.types;
    const sql = substitute(stmt.sql, stmt.offsets, request.values);
    const bytes = Buffer.byteLength(sql);
    if (bytes > this.options.maxSqlBytes) return writeError(this.sink, tooMuchSql(bytes, this.options.maxSqlBytes));
    await this.session.runScript(sql, false, async (outcome, more) => writeOutcome(this.sink, outcome, more, true, this.session.database ?? ''));
  }

  /** No response, as in MySQL; parameters sent this way are not kept, so the next execution is refused. */
  longData(body: Buffer): void {
    const stmt = this.statements.get(new WireReader(body).u32('statement id'));
    if (stmt) stmt.longData = true;
  }

  close(body: Buffer): void {
    this.statements.delete(new WireReader(body).u32('statement id'));
  }

  reset(body: Buffer): void {
    const id = new WireReader(body).u32('statement id');
    const stmt = this.statements.get(id);
    if (!stmt) return writeError(this.sink, unknownStatement(id, 'mysqld_stmt_reset'));
    stmt.longData = false;
    this.sink.send(okPacket({ status: ServerStatus.AUTOCOMMIT }));
  }
}
