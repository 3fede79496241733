import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '../lib/domain/errors.ts';
import { pidAlive } from './pid-alive.ts';

/**
 * `<home>/holder.json`: which process has the home open. The embedded DynamoDB's LevelDB LOCK keeps a
 * second process out, but says nothing of who holds it; this file does, so the refusal can name the
 * process and say what to do. Only the subcommand is recorded, never the command line: it may carry SQL
 * with credentials.
 */
export interface HomeHolder {
  pid: number;
  host: string;
  command: string;
  started: string;
}

const HOLDER_FILE = 'holder.json';

/** Records this process as the holder; the returned function removes the record if it is still ours. */
export function recordHolder(home: string, command: string): () => void {
  const file = join(home, HOLDER_FILE);
  const me: HomeHolder = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  writeFileSync(file, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  return () => {
    if (readHolder(home)?.pid === process.pid) rmSync(file, { force: true });
  };
}

function readHolder(home: string): HomeHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(join(home, HOLDER_FILE), 'utf8')) as HomeHolder;
    return Number.isInteger(h.pid) && typeof h.command === 'string' && typeof h.started === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Whether opening the store failed because another process holds its LOCK (embedded-dynamodb's probe). */
export function isHomeLocked(err: unknown): boolean {
  const cause = (err as { cause?: { cause?: { code?: string } } } | undefined)?.cause?.cause;
  return err instanceof StorageError && cause?.code === 'LEVEL_LOCKED';
}

/** The refusal of a home another process holds, naming that process when the holder record is current. */
export function homeInUse(home: string, err: unknown): StorageError {
  const h = readHolder(home);
  const current = h && h.pid !== process.pid && (h.host !== hostname() || pidAlive(h.pid));
  const serve = `\`starbackup serve --home ${home}\``;
  if (!current) {
    return new StorageError(`Home ${home} is in use by another process; wait for it to end, or run ${serve} so several clients can share the home`, false, { cause: err });
  }
  const who = `starbackup process ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`} (${h.command}, started ${h.started})`;
  if (h.command === 'starbackup serve') {
    // The server writes server.json once it listens; from then on `starbackup sql` sends it its statements.
    return new StorageError(`Home ${home} is in use by ${who}, which is still starting; retry once it listens`, false, { cause: err });
  }
  return new StorageError(`Home ${home} is in use by ${who}; wait for it to end, or run ${serve} so several clients can share the home`, false, { cause: err });
}

