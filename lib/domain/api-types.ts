/**
 * The wire contract of the HTTP API, `POST /v1/sql`: its route, the error codes of the HTTP layer, and the
 * request and response bodies. lib/api/api-request.ts serves it (functions/api.ts, bin/serve.ts adapt it);
 * clients (bin/server-client.ts, lib/adapters/http/signed-sql-client.ts) read it.
 */
export const SQL_ROUTE = { method: 'POST', path: '/v1/sql' } as const;

/** Error codes of the HTTP layer itself; statement errors carry the ErrorName of lib/domain/errors.ts. */
export const ApiErrorCode = {
  InvalidRequest: 'InvalidRequestError',
  PayloadTooLarge: 'PayloadTooLargeError',
  Unauthorized: 'UnauthorizedError',
  Forbidden: 'ForbiddenError',
  RouteNotFound: 'RouteNotFoundError',
  MethodNotAllowed: 'MethodNotAllowedError',
  /** Nothing ran: the server has no room for the body now; retry after the Retry-After header's seconds. */
  ServerBusy: 'ServerBusyError',
} as const;

export interface SqlRequest {
  sql: string;
  /** The current database, as `USE` would set it, for statements with unqualified names. */
  database?: string;
}

export interface StatementResult {
  statement: string;
  columns: string[];
  rows: (string | null)[][];
  /** What a statement without rows did, e.g. "Query OK, 0 rows affected". */
  message?: string;
  seconds: number;
}

export interface ApiError {
  code: string;
  /**
   * A failed statement's MySQL error number and SQLSTATE (lib/domain/mysql-errors.ts), so a client prints
   * `ERROR <errno> (<sqlstate>): <message>` as the mysql client would; absent on errors of the HTTP layer.
   */
  errno?: number;
  sqlstate?: string;
  message: string;
  /** The statement that failed, when a statement did. */
  statement?: string;
}

/** Results of the statements that ran; `error` when one failed, and execution stopped there. */
export interface ApiResponseBody {
  results?: StatementResult[];
  error?: ApiError;
  /**
   * The current database once the statements ran (as `USE` left it), when there is one; a client that
   * splits a script into several requests sends it as the next request's "database".
   */
  database?: string;
}

export interface ApiResponse {
  status: number;
  body: ApiResponseBody;
}
