/**
 * The files `starbackup serve` leaves in a home, and the client side of them: while a server runs on a home
 * it owns the embedded DynamoDB there (one process per home), so `starbackup sql --home` sends its
 * statements to that server instead of opening the store.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../lib/domain/errors.ts';
import { checkScriptLength } from '../lib/domain/limits.ts';
import { type ApiResponseBody, ApiErrorCode, SQL_ROUTE, type StatementResult } from '../lib/domain/api-types.ts';
import { echoedError } from '../lib/api/api-request.ts';
import { type ScriptParse, parseScript } from '../lib/sql/parse.ts';
import { pidAlive } from './pid-alive.ts';

export function serverFiles(home: string) {
  return {
    /** The bearer token, generated on the first start, mode 0600. */
    token: join(home, 'server-token'),
    /** `{port, mysqlPort, host, pid, limits}` of the running server; removed when it stops. */
    info: join(home, 'server.json'),
  };
}

export interface ServerInfo {
  /** The HTTP API's port. */
  port: number;
  /** The MySQL door's port (StarRocks' query port), when the server has one. */
  mysqlPort?: number;
  /** The address the server listens on; absent in the file of a server from before `--host` (127.0.0.1). */
  host?: string;
  pid: number;
  /** What one request may carry; absent in the file of a server from before the limits, which takes a whole script. */
  limits?: RequestLimits;
}

export interface RequestLimits {
  maxBodyBytes: number;
  maxSqlBytes: number;
}

export interface RunningServer extends ServerInfo {
  url: string;
  token: string;
}

/** The server running on this home, if its process is alive; a file left by a killed server is ignored. */
export function runningServer(home: string): RunningServer | undefined {
  const files = serverFiles(home);
  let info: ServerInfo;
  try {
    info = JSON.parse(readFileSync(files.info, 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(info.pid) || !Number.isInteger(info.port) || !pidAlive(info.pid)) return undefined;
  const token = readFileSync(files.token, 'utf8').trim();
  const { limits, ...rest } = info;
  const valid = limits && [limits.maxBodyBytes, limits.maxSqlBytes].every((n) => Number.isSafeInteger(n) && n > 0);
  return { ...rest, ...(valid ? { limits: { maxBodyBytes: limits.maxBodyBytes, maxSqlBytes: limits.maxSqlBytes } } : {}), url: `http://${reachableHost(info.host)}:${info.port}${SQL_ROUTE.path}`, token };
}

/** Where this machine reaches a server listening on `host`: a wildcard address is reached on loopback. */
function reachableHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}


export interface SqlReply {
  status: number;
  body: ApiResponseBody;
}

/** A server refusing for its body budget has run nothing, so the request is sent again; this many times at most. */
export const MAX_BUSY_RETRIES = 30;
const SEPARATOR = ';\n';

/**
 * Sends a script as the server would run it in one request. A script larger than one request may carry is
 * split into several, statements grouped up to the limits, each carrying the database the previous one
 * left (`database` in the response): it is parsed here first, so the statements before a syntax error run
 * and the error is reported with its line and column in the whole script, as the server would.
 */
export async function sendSql(server: RunningServer, sql: string, database?: string): Promise<SqlReply> {
  const limits = server.limits;
  if (!limits || fitsOneRequest(sql, database, limits)) return post(server, sql, database);
  const { texts, failure } = statementTexts(sql);
  try {
    checkScriptLength(texts.length);
  } catch (e) {
    return { status: 400, body: { error: { code: ApiErrorCode.InvalidRequest, message: errorMessage(e) } } };
  }
  // The server's own answer to a script without statements.
  if (texts.length === 0 && !failure) return post(server, '', database);
  const results: StatementResult[] = [];
  let db = database;
  const withDb = (body: ApiResponseBody): ApiResponseBody => ({ ...body, results, ...(db === undefined ? {} : { database: db }) });
  for (const part of parts(texts, limits, () => db)) {
    const reply = await post(server, part, db);
    results.push(...(reply.body.results ?? []));
    if (reply.body.database !== undefined) db = reply.body.database;
    if (reply.status !== 200 || reply.body.error) return { status: reply.status, body: withDb(reply.body) };
  }
  if (!failure) return { status: 200, body: withDb({}) };
  return { status: 400, body: withDb({ error: echoedError(failure.error, failure.text) }) };
}

/** Only the texts are kept: the parsed statements take many times the script's size. */
function statementTexts(sql: string): { texts: string[]; failure: ScriptParse['failure'] } {
  const { statements, failure } = parseScript(sql);
  return { texts: statements.map((s) => s.text), failure };
}

function fitsOneRequest(sql: string, database: string | undefined, limits: RequestLimits): boolean {
  if (Buffer.byteLength(sql) > limits.maxSqlBytes) return false;
  return Buffer.byteLength(JSON.stringify(database === undefined ? { sql } : { sql, database })) <= limits.maxBodyBytes;
}

/**
 * Statement texts joined into requests of at most maxSqlBytes of SQL and maxBodyBytes of JSON (with the
 * database current when the part is made); a statement that fits no request goes alone, for the server to refuse.
 */
function* parts(texts: string[], limits: RequestLimits, database: () => string | undefined): Generator<string> {
  const jsonBytes = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;
  for (let i = 0; i < texts.length;) {
    const db = database();
    let bodyBytes = Buffer.byteLength(JSON.stringify(db === undefined ? { sql: '' } : { sql: '', database: db }));
    let sqlBytes = 0;
    let j = i;
    for (; j < texts.length; j++) {
      const text = j > i ? `${SEPARATOR}${texts[j]}` : texts[j]!;
      const sql = Buffer.byteLength(text);
      const body = jsonBytes(text);
      if (j > i && (sqlBytes + sql > limits.maxSqlBytes || bodyBytes + body > limits.maxBodyBytes)) break;
      sqlBytes += sql;
      bodyBytes += body;
    }
    yield texts.slice(i, j).join(SEPARATOR);
    i = j;
  }
}

/** One request; sent again while the server answers that it is busy (it ran nothing then). */
async function post(server: RunningServer, sql: string, database?: string): Promise<SqlReply> {
  for (let attempt = 0; ; attempt++) {
    const { reply, retryAfter } = await postOnce(server, sql, database);
    if (reply.status !== 503 || reply.body.error?.code !== ApiErrorCode.ServerBusy || attempt >= MAX_BUSY_RETRIES) return reply;
    const seconds = Number(retryAfter ?? 1);
    const waitMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
    // A little spread, so clients refused together do not all come back together.
    await sleep(waitMs * (1 + Math.random() / 4));
  }
}

/**
 * node:http rather than fetch: Node 20's fetch (and undici 6's, now and then) never settles when the server
 * closes a new connection at once, as it does at its connection cap, and the CLI then exits without a word.
 */
function postOnce(server: RunningServer, sql: string, database?: string): Promise<{ reply: SqlReply; retryAfter: string | undefined }> {
  const body = JSON.stringify(database === undefined ? { sql } : { sql, database });
  const unreachable = (e: Error) => new Error(`cannot reach the starbackup server of this home (pid ${server.pid}, port ${server.port}): ${e.message}; it may be at its connection limit, or if no server runs there, delete server.json in the home`);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(server.url, {
      method: SQL_ROUTE.method,
      // A connection per request: nothing to reuse after the server closed it.
      agent: false,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (e) => reject(unreachable(e)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        try {
          resolve({ reply: { status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiResponseBody }, retryAfter: res.headers['retry-after'] });
        } catch {
          reject(new Error(`the starbackup server on port ${server.port} answered ${status} with a body that is not JSON`));
        }
      });
    });
    // A server that answers before reading the whole body (413, 503) closes the connection under the rest of it.
    req.on('error', (e) => {
      if (!answered) reject(unreachable(e));
    });
    req.end(body);
  });
}
