/**
 * `POST /v1/sql`: the request and response of the HTTP API, shared by the API Gateway handler
 * (functions/api.ts) and the local server (bin/serve.ts) so both speak exactly the same shapes (their
 * wire contract: lib/domain/api-types.ts).
 */
import { type Deadline, checkDeadline } from '../cluster/deadline.ts';
import { ErrorName, StarbackupError, StorageError, errorCode, errorMessage } from '../domain/errors.ts';
import { mysqlErrorOf } from '../domain/mysql-errors.ts';
import { parseScript } from '../sql/parse.ts';
import { redactMessage, redactStatement, redactWithSecrets } from '../sql/redact-statement.ts';
import { checkScriptLength } from '../domain/limits.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { executeStatement } from '../statements/execute-statement.ts';
import { type ResultSet, table } from '../statements/result-set.ts';
import type { Session } from '../statements/session.ts';
import { type ApiError, ApiErrorCode, type ApiResponse, SQL_ROUTE, type SqlRequest, type StatementResult } from '../domain/api-types.ts';

/** API Gateway would take 10 MB and Lambda 6 MB; a SQL request has no business being near either. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

export function errorResponse(status: number, code: string, message: string): ApiResponse {
  return { status, body: { error: { code, message } } };
}

/** 404/405 for anything but the one route; undefined when the request is for it. */
export function checkRoute(method: string, path: string): ApiResponse | undefined {
  if (path !== SQL_ROUTE.path) return errorResponse(404, ApiErrorCode.RouteNotFound, `No route ${path}; the API is ${SQL_ROUTE.method} ${SQL_ROUTE.path}`);
  if (method !== SQL_ROUTE.method) return errorResponse(405, ApiErrorCode.MethodNotAllowed, `${path} takes ${SQL_ROUTE.method}, not ${method}`);
  return undefined;
}

export function tooLarge(maxBytes: number): ApiResponse {
  return errorResponse(413, ApiErrorCode.PayloadTooLarge, `Request body is larger than ${maxBytes} bytes; split the script into several requests`);
}

function tooMuchSql(bytes: number, maxSqlBytes: number): ApiResponse {
  return errorResponse(413, ApiErrorCode.PayloadTooLarge, `"sql" is ${bytes} bytes; a request may carry at most ${maxSqlBytes} bytes of SQL, so split the script into several requests`);
}

/** 503 before anything ran: bodies in flight fill the server's budget. */
export function serverBusy(retryAfterSeconds: number): ApiResponse {
  return errorResponse(503, ApiErrorCode.ServerBusy, `The server is busy: other requests' bodies fill its memory budget; nothing ran, retry in ${retryAfterSeconds} s`);
}

/**
 * The HTTP status of a statement's error: 4xx for what the user can fix, 5xx for what they cannot.
 * A deadline stop is 504, as gRPC's DEADLINE_EXCEEDED maps: a time limit of the server side, not a
 * client slow to send (408, which some clients resend as is), and told apart from API Gateway's own 503
 * by its body, which says the statement stopped cleanly.
 */
export function statusOf(err: unknown): number {
  switch (errorCode(err)) {
    case ErrorName.DeadlineExceeded: return 504;
    case ErrorName.AccessDenied: return 403;
    case ErrorName.NotFound: return 404;
    case ErrorName.AlreadyExists:
    case ErrorName.LockConflict:
    case ErrorName.ConditionFailed: return 409;
    case ErrorName.RetryableStorage: return 503;
  }
  if (err instanceof StorageError) return 502;
  return err instanceof StarbackupError && err.userError ? 400 : 500;
}

/**
 * Validates the body: at most maxBytes, and at most maxSqlBytes of SQL in it (a local server takes bodies
 * larger than its SQL limit, as JSON may need 6 bytes for one). The message never quotes the body: it may
 * hold repository credentials.
 */
export function parseSqlRequest(body: string | Uint8Array | undefined, maxBytes = MAX_REQUEST_BYTES, maxSqlBytes = maxBytes): SqlRequest | ApiResponse {
  const invalid = (message: string) => errorResponse(400, ApiErrorCode.InvalidRequest, message);
  if (body === undefined || body.length === 0) return invalid('Request body is missing; send {"sql": "…", "database": "…"}');
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (bytes > maxBytes) return tooLarge(maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return invalid('Request body is not valid JSON; send {"sql": "…", "database": "…"}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid('Request body must be a JSON object {"sql": "…", "database": "…"}');
  const { sql, database, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return invalid(`Unknown field ${JSON.stringify(unknown[0]!.slice(0, 64))} in the request body; expected "sql" and optionally "database"`);
  if (typeof sql !== 'string') return invalid('"sql" must be a string of statements separated by ;');
  if (database !== undefined && (typeof database !== 'string' || database === '')) return invalid('"database" must be a non-empty string');
  const sqlBytes = Buffer.byteLength(sql);
  if (sqlBytes > maxSqlBytes) return tooMuchSql(sqlBytes, maxSqlBytes);
  return database === undefined ? { sql } : { sql, database };
}

/**
 * Runs a request's statements in order and stops at the first failure, as the CLI does. BACKUP and RESTORE
 * answer as soon as their job is accepted (in the embedded server too: its job keeps running in the
 * background), with the job's id and its state at that moment; SHOW BACKUP/RESTORE follow it.
 */
export async function executeSqlRequest(ctx: ServiceContext, request: SqlRequest, deadline?: Deadline, user?: Session['user']): Promise<ApiResponse> {
  const session: Session = { ...(request.database === undefined ? {} : { db: request.database }), ...(user ? { user } : {}) };
  // The statements see the deadline through their context: loads and scans check it as they go.
  const response = await runRequest(deadline ? { ...ctx, deadline } : ctx, request, session);
  return session.db === undefined || response.body.results === undefined ? response : { ...response, body: { ...response.body, database: session.db } };
}

async function runRequest(ctx: ServiceContext, request: SqlRequest, session: Session): Promise<ApiResponse> {
  const script = parseScript(request.sql);
  if (script.statements.length === 0 && !script.failure) return errorResponse(400, ApiErrorCode.InvalidRequest, 'No query specified');
  try {
    checkScriptLength(script.statements.length);
  } catch (e) {
    return errorResponse(400, ApiErrorCode.InvalidRequest, errorMessage(e));
  }
  const results: StatementResult[] = [];
  for (const [i, stmt] of script.statements.entries()) {
    const started = performance.now();
    try {
      // The first statement always starts; a later one not once the deadline has passed.
      if (i > 0) checkDeadline(ctx, NEXT_STATEMENT);
      const result = await accepted(ctx, await executeStatement(ctx, stmt, session));
      results.push(toResult(redactStatement(stmt.text), result, (performance.now() - started) / 1000));
    } catch (e) {
      return { status: statusOf(e), body: { results, error: echoedError(e, stmt.text) } };
    }
  }
  if (script.failure) {
    const { text, error } = script.failure;
    return { status: 400, body: { results, error: echoedError(error, text) } };
  }
  return { status: 200, body: { results } };
}

const NEXT_STATEMENT = {
  what: 'The request',
  outcome: 'The statements before this one ran; this one and those after it did not',
  advice: 'send them in another request',
} as const;

/**
 * Parses and runs a raw body: what both servers call once the route and the caller are checked. The
 * Lambda handler passes a deadline; `serve` has none, and passes the account an HTTP Basic caller logged in
 * as (none for the bearer token: the home's owner, root).
 */
export async function handleSqlRequest(
  ctx: ServiceContext, body: string | Uint8Array | undefined, maxBytes = MAX_REQUEST_BYTES, maxSqlBytes = maxBytes, deadline?: Deadline, user?: Session['user'],
): Promise<ApiResponse> {
  const request = parseSqlRequest(body, maxBytes, maxSqlBytes);
  return 'status' in request ? request : executeSqlRequest(ctx, request, deadline, user);
}

async function accepted(ctx: ServiceContext, result: ResultSet): Promise<ResultSet> {
  if (!result.job) return result;
  // Nobody waits for the job here; its end is reported through the job record, never by a rejection.
  void result.job.done?.catch(() => undefined);
  const job = (await ctx.control.getJob(result.job.jobId))?.doc;
  return table(['JobId', 'Label', 'State', 'Timestamp'], [[result.job.jobId, result.job.label, job?.state ?? 'PENDING', job?.timestamp]]);
}

/** A failed statement as the response shows it: its secrets masked in the statement and in the message. */
export function echoedError(err: unknown, statement: string): ApiError {
  const { text, secrets } = redactWithSecrets(statement);
  const { errno, sqlstate, message } = mysqlErrorOf(err);
  return { code: errorCode(err), errno, sqlstate, message: redactMessage(message, secrets), statement: text };
}

function toResult(statement: string, r: ResultSet, seconds: number): StatementResult {
  return { statement, columns: r.columns, rows: r.rows, ...(r.message === undefined ? {} : { message: r.message }), seconds };
}
