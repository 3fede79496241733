import type { MysqlCodeName } from './mysql-codes.ts';

/**
 * Typed errors. Every `name` is stable: Step Functions Retry/Catch and the HTTP API route on it, so
 * renaming one is a breaking change. Messages use StarRocks' wording where StarRocks has one.
 */
export const ErrorName = {
  Parse: 'ParseError',
  Analysis: 'AnalysisError',
  BadReplace: 'BadReplaceError',
  NotFound: 'NotFoundError',
  AlreadyExists: 'AlreadyExistsError',
  LockConflict: 'LockConflictError',
  LockLost: 'LockLostError',
  ConditionFailed: 'ConditionFailedError',
  Storage: 'StorageError',
  RetryableStorage: 'RetryableStorageError',
  Integrity: 'IntegrityError',
  JobCancelled: 'JobCancelledError',
  JobFailed: 'JobFailedError',
  JobTimeout: 'JobTimeoutError',
  JobOrphaned: 'JobOrphanedError',
  AccessDenied: 'AccessDeniedError',
  Internal: 'InternalError',
  PlanTooLarge: 'PlanTooLargeError',
  DeadlineExceeded: 'DeadlineExceededError',
} as const;
export type ErrorNameValue = (typeof ErrorName)[keyof typeof ErrorName];

/** What an error may be built with besides its message. */
export interface ErrorOptions {
  cause?: unknown;
  /**
   * The StarRocks error code a MySQL client is shown (lib/domain/mysql-codes.ts), where the class alone
   * does not say it: a NotFoundError is `Unknown database` (5501) or a missing repository (1064).
   */
  mysqlCode?: MysqlCodeName;
}

export class StarbackupError extends Error {
  /** Whether the user caused it (4xx) rather than the system (5xx). */
  readonly userError: boolean = true;
  declare readonly mysqlCode?: MysqlCodeName;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    if (options?.mysqlCode) this.mysqlCode = options.mysqlCode;
  }
  override get name(): ErrorNameValue {
    return ErrorName.Internal;
  }
}

/** A statement that does not parse. Line and column are 1-based; the wording follows StarRocks'. */
export class ParseError extends StarbackupError {
  constructor(readonly detail: string, readonly line: number, readonly column: number) {
    super(`Getting syntax error at line ${line}, column ${column}. Detail message: ${detail}.`);
  }
  override get name() { return ErrorName.Parse; }
}

/** A statement that parses but is invalid: unknown object, bad property, bad value. */
export class AnalysisError extends StarbackupError {
  override get name(): ErrorNameValue { return ErrorName.Analysis; }
}

/**
 * A job has more data to move than one execution can carry: more batches than the Step Functions state
 * payload has room to name. The message says how much, the limit, and how to split the job.
 */
export class PlanTooLargeError extends AnalysisError {
  override get name(): ErrorNameValue { return ErrorName.PlanTooLarge; }
}

/** A restore would replace an object of another kind (a table by a view): StarRocks' BAD_REPLACE. */
export class BadReplaceError extends AnalysisError {
  override get name() { return ErrorName.BadReplace; }
}

export class NotFoundError extends StarbackupError {
  override get name() { return ErrorName.NotFound; }
}

export class AlreadyExistsError extends StarbackupError {
  override get name() { return ErrorName.AlreadyExists; }
}

/** Another job holds the database lock. */
export class LockConflictError extends StarbackupError {
  override get name() { return ErrorName.LockConflict; }
}

/**
 * The job no longer holds its lock under the fencing token it started with: another process took the
 * lapsed lease over. The holder of the new token owns the job's fate, so this error must touch nothing.
 */
export class LockLostError extends StarbackupError {
  override readonly userError: boolean = false;
  constructor(message: string, readonly jobId: string, readonly token: number | undefined) {
    super(message);
  }
  override get name() { return ErrorName.LockLost; }
}

/** A conditional write lost a race: the record changed, exists, or is missing. */
export class ConditionFailedError extends StarbackupError {
  override readonly userError: boolean = false;
  override get name() { return ErrorName.ConditionFailed; }
}

/** Storage failed. `retryable` says whether trying again can help (throttling, timeouts, 5xx). */
export class StorageError extends StarbackupError {
  override readonly userError: boolean = false;
  constructor(message: string, readonly retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
  override get name() { return this.retryable ? ErrorName.RetryableStorage : ErrorName.Storage; }
}

/** Data read back does not match its recorded checksum or size. */
export class IntegrityError extends StarbackupError {
  override readonly userError: boolean = false;
  override get name() { return ErrorName.Integrity; }
}

/** The job's cancel flag was set; the workflow routes this to the cancel path. */
export class JobCancelledError extends StarbackupError {
  override get name() { return ErrorName.JobCancelled; }
}

/** The job ran past its `timeout`; it is cancelled with status TIMEOUT. */
export class JobTimeoutError extends StarbackupError {
  override get name() { return ErrorName.JobTimeout; }
}

/**
 * A statement stopped because its request's deadline passed (the HTTP API in Lambda must answer within
 * API Gateway's limit). What it had written was removed; the message says so and how to split the work.
 */
export class DeadlineExceededError extends StarbackupError {
  override get name() { return ErrorName.DeadlineExceeded; }
}

/** The process running a job stopped (crash, kill, lapsed lease); recovery rolls the job back or forward. */
export class JobOrphanedError extends StarbackupError {
  override readonly userError: boolean = false;
  override get name() { return ErrorName.JobOrphaned; }
}

/** A job ended CANCELLED because of an error; carries the job's status text. */
export class JobFailedError extends StarbackupError {
  override get name() { return ErrorName.JobFailed; }
}

/**
 * The trust-boundary policy refused what a statement asked for: a file outside the allowed folders, an
 * endpoint on a forbidden address, a storage scheme this runtime cannot keep. The message names the
 * offending path or address and the setting that would allow it.
 */
export class AccessDeniedError extends StarbackupError {
  override get name() { return ErrorName.AccessDenied; }
}

export class InternalError extends StarbackupError {
  override readonly userError: boolean = false;
}

/**
 * Errors a Task's Retry policy tries again (cdk/workflows/job-workflow.ts TRANSIENT_ERRORS): a handler
 * must not treat them as final, since the same invocation input will run again.
 */
export const TRANSIENT_ERROR_NAMES: readonly string[] = [ErrorName.RetryableStorage, ErrorName.ConditionFailed];

export function isTransient(err: unknown): boolean {
  return TRANSIENT_ERROR_NAMES.includes(errorCode(err));
}

/** The stable name of any thrown value, for routing and for `{"error": {"code"}}`. */
export function errorCode(err: unknown): string {
  if (err instanceof StarbackupError) return err.name;
  if (err instanceof Error && err.name) return err.name;
  return ErrorName.Internal;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
