/**
 * What a wire-protocol door (the MySQL door) asks of the statement layer, so that the door never
 * imports it: a session per connection that runs scripts, changes the database and lists a table's
 * columns, each answered as outcomes already shaped as MySQL errors.
 */
import type { MysqlError } from '../domain/mysql-errors.ts';

export type QueryOutcome =
  | { kind: 'rows'; columns: string[]; rows: (string | null)[][] }
  | { kind: 'ok'; affectedRows: number; info?: string }
  | { kind: 'error'; error: MysqlError };

export interface SqlSession {
  /** The current database (`USE`, COM_INIT_DB, the handshake's database). */
  readonly database: string | undefined;
  /**
   * Runs a script's statements in order and hands over each one's outcome as soon as it has it, with
   * whether another outcome follows; stops after the first error, as MySQL does. Without
   * `multiStatements` a script of more than one statement is refused whole.
   */
  runScript(sql: string, multiStatements: boolean, each: (outcome: QueryOutcome, more: boolean) => Promise<void>): Promise<void>;
  /** COM_INIT_DB: an OK outcome, or the error of `USE db`. */
  useDatabase(db: string): Promise<QueryOutcome>;
  /** COM_FIELD_LIST: the column names of a table or view of the current database. */
  fieldList(table: string): Promise<{ columns: string[] } | { error: MysqlError }>;
}

export interface ConnectionIdentity {
  /** The account, as CURRENT_USER() shows it. */
  user: { name: string; host: string };
  connectionId: number;
}

export interface SqlSessions {
  open(who: ConnectionIdentity): SqlSession;
}
