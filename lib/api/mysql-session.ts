/**
 * The MySQL door's sessions (lib/ports/sql-session.ts) over the statement layer: a COM_QUERY script runs
 * statement by statement on one Session, as `starbackup sql` runs a script; BACKUP and RESTORE answer
 * once their job is accepted (the job runs on; SHOW BACKUP/RESTORE follow it). Errors are MySQL errors
 * (lib/domain/mysql-errors.ts) with the statement's secrets masked, as the HTTP API masks them.
 */
import { accessDenied } from '../access/access-denied.ts';
import { NotFoundError } from '../domain/errors.ts';
import { checkScriptLength } from '../domain/limits.ts';
import { type MysqlError, mysqlErrorOf } from '../domain/mysql-errors.ts';
import type { ConnectionIdentity, QueryOutcome, SqlSession, SqlSessions } from '../ports/sql-session.ts';
import { parseScript } from '../sql/parse.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { executeStatement } from '../statements/execute-statement.ts';
import { privilegesOf } from '../statements/privileges.ts';
import type { ResultSet } from '../statements/result-set.ts';
import { type Session, dbOf } from '../statements/session.ts';
import { echoedError } from './api-request.ts';

export function mysqlSessions(ctx: ServiceContext): SqlSessions {
  return { open: (who) => new MysqlSession(ctx, who) };
}

class MysqlSession implements SqlSession {
  private readonly session: Session;

  constructor(private readonly ctx: ServiceContext, who: ConnectionIdentity) {
    this.session = { user: { ...who.user }, connectionId: who.connectionId, variables: new Map() };
  }

  get database(): string | undefined {
    return this.session.db;
  }

  async runScript(sql: string, multiStatements: boolean, each: (outcome: QueryOutcome, more: boolean) => Promise<void>): Promise<void> {
    const script = parseScript(sql);
    const failure = script.failure;
    const total = script.statements.length + (failure ? 1 : 0);
    // MySQL's own answer to an empty query (ER_EMPTY_QUERY).
    if (total === 0) return each(error({ errno: 1065, sqlstate: '42000', message: 'Query was empty' }), false);
    if (total > 1 && !multiStatements) {
      return each(error({ errno: 1064, sqlstate: '42000', message: `The query holds ${total} statements, but the client did not ask for multi-statements (CLIENT_MULTI_STATEMENTS); send one statement at a time` }), false);
    }
    try {
      checkScriptLength(script.statements.length);
    } catch (e) {
      return each(error(mysqlErrorOf(e)), false);
    }
    for (const [i, stmt] of script.statements.entries()) {
      let outcome: QueryOutcome;
      try {
        outcome = await this.accepted(await executeStatement(this.ctx, stmt, this.session));
      } catch (e) {
        return each(masked(e, stmt.text), false);
      }
      await each(outcome, i + 1 < total);
    }
    if (failure) await each(masked(failure.error, failure.text), false);
  }

  async useDatabase(db: string): Promise<QueryOutcome> {
    const text = `USE \`${db.replaceAll('`', '``')}\``;
    try {
      await executeStatement(this.ctx, { kind: 'Use', db, text }, this.session);
      return { kind: 'ok', affectedRows: 0 };
    } catch (e) {
      return masked(e, text);
    }
  }

  async fieldList(table: string): Promise<{ columns: string[] } | { error: MysqlError }> {
    try {
      const db = dbOf(this.session);
      // A table's columns are shown to who holds some privilege on it, as SHOW CREATE TABLE.
      const mayList = async (type: 'TABLE' | 'VIEW') => {
        const privs = await privilegesOf(this.ctx, this.session);
        if (!privs.hasAny({ type, db, name: table })) throw accessDenied(privs, 'ANY', { type, db, name: table });
      };
      const found = await this.ctx.catalog.getTable(db, table);
      if (found) {
        await mayList('TABLE');
        return { columns: found.doc.def.columns.map((c) => c.name) };
      }
      const view = await this.ctx.catalog.getView(db, table);
      if (view) {
        await mayList('VIEW');
        return { columns: view.columns ?? [] };
      }
      throw new NotFoundError(`Unknown table '${table}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
    } catch (e) {
      return { error: mysqlErrorOf(e) };
    }
  }

  /** A BACKUP or RESTORE answers with an OK naming its job; nobody waits for the job here. */
  private async accepted(result: ResultSet): Promise<QueryOutcome> {
    if (result.job) {
      void result.job.done?.catch(() => undefined);
      return { kind: 'ok', affectedRows: 0, info: `JobId: ${result.job.jobId}` };
    }
    if (result.columns.length > 0) return { kind: 'rows', columns: result.columns, rows: result.rows };
    const affected = /^Query OK, (\d+) rows? affected/.exec(result.message ?? '');
    const info = affected || result.message === undefined ? undefined : result.message;
    return { kind: 'ok', affectedRows: affected ? Number(affected[1]) : 0, ...(info ? { info } : {}) };
  }
}

const error = (e: MysqlError): QueryOutcome => ({ kind: 'error', error: e });

function masked(err: unknown, statement: string): QueryOutcome {
  return error({ ...mysqlErrorOf(err), message: echoedError(err, statement).message });
}
