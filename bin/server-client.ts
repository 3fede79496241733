/**
 * The files `starbackup serve` leaves in a home, and the client side of them: while a server runs on a home
 * it owns the embedded DynamoDB there (one process per home), so `starbackup sql --home` sends its
 * statements to that server instead of opening the store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiResponseBody } from '../lib/phases/api-request.ts';
import { SQL_ROUTE } from '../lib/phases/api-request.ts';

export function serverFiles(home: string) {
  return {
    /** The bearer token, generated on the first start, mode 0600. */
    token: join(home, 'server-token'),
    /** `{port, pid}` of the running server; removed when it stops. */
    info: join(home, 'server.json'),
  };
}

export interface ServerInfo {
  port: number;
  pid: number;
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
  if (!Number.isInteger(info.pid) || !Number.isInteger(info.port) || !isAlive(info.pid)) return undefined;
  const token = readFileSync(files.token, 'utf8').trim();
  return { ...info, url: `http://127.0.0.1:${info.port}${SQL_ROUTE.path}`, token };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SqlReply {
  status: number;
  body: ApiResponseBody;
}

export async function sendSql(server: RunningServer, sql: string, database?: string): Promise<SqlReply> {
  let response: Response;
  try {
    response = await fetch(server.url, {
      method: SQL_ROUTE.method,
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(database === undefined ? { sql } : { sql, database }),
    });
  } catch (e) {
    throw new Error(`cannot reach the starbackup server of this home (pid ${server.pid}, port ${server.port}): ${(e as Error).message}; if no server runs there, delete server.json in the home`);
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as ApiResponseBody };
  } catch {
    throw new Error(`the starbackup server on port ${server.port} answered ${response.status} with a body that is not JSON`);
  }
}
