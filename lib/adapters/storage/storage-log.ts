import { errorCode } from '../../domain/errors.ts';

/**
 * Structured logging of storage operations. An entry carries the store's description (a location, never
 * a credential), the key, the duration and the error's name and message; backends already strip secret
 * values from their messages, so nothing here can carry one.
 */
export const StorageLogLevel = { Off: 'off', Warn: 'warn', Debug: 'debug' } as const;
export type StorageLogLevelValue = (typeof StorageLogLevel)[keyof typeof StorageLogLevel];

export interface StorageLogEntry {
  level: 'debug' | 'warn';
  /** put, get, head, list, delete, or retry (an attempt failed and will be repeated). */
  op: string;
  store: string;
  key?: string;
  ms?: number;
  bytes?: number;
  /** Objects a listing yielded. */
  objects?: number;
  attempt?: number;
  error?: { code: string; message: string };
}

export type StorageLogSink = (entry: StorageLogEntry) => void;

/** JSON lines on stderr, which is where Lambda's log capture and the CLI's progress output already go. */
const stderrSink: StorageLogSink = (entry) => process.stderr.write(`${JSON.stringify({ component: 'storage', ...entry })}\n`);

let sink: StorageLogSink = stderrSink;
let level: StorageLogLevelValue = initialLevel();

/**
 * `STARBACKUP_STORAGE_LOG` = off | warn | debug. Off by default on a laptop (the CLI prints results,
 * not traffic); warn in Lambda, where retries and failures are worth a line in CloudWatch.
 */
function initialLevel(): StorageLogLevelValue {
  const wanted = process.env.STARBACKUP_STORAGE_LOG?.toLowerCase();
  if (wanted === 'off' || wanted === 'warn' || wanted === 'debug') return wanted;
  return process.env.AWS_LAMBDA_FUNCTION_NAME ? StorageLogLevel.Warn : StorageLogLevel.Off;
}

/** Replaces the sink and level (tests capture entries); with no arguments restores the defaults. */
export function setStorageLog(newSink?: StorageLogSink, newLevel?: StorageLogLevelValue): void {
  sink = newSink ?? stderrSink;
  level = newLevel ?? initialLevel();
}

export function logStorage(entry: StorageLogEntry): void {
  if (level === StorageLogLevel.Off || (level === StorageLogLevel.Warn && entry.level === 'debug')) return;
  try {
    sink(entry);
  } catch {
    // A broken log sink must never fail a storage operation.
  }
}

export function describeError(err: unknown): { code: string; message: string } {
  return { code: errorCode(err), message: err instanceof Error ? err.message : String(err) };
}
