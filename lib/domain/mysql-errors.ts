import { ErrorName, errorCode, errorMessage } from './errors.ts';

/** What a MySQL client shows of an error: `ERROR <errno> (<sqlstate>): <message>`. */
export interface MysqlError {
  errno: number;
  sqlstate: string;
  message: string;
}

/**
 * StarRocks sends most analyzer and job errors as 1064 with SQLSTATE HY000 (its ERR_COMMON_ERROR family),
 * so that is the default; named classes refine it.
 */
const BY_NAME: Partial<Record<string, { errno: number; sqlstate: string }>> = {
  [ErrorName.Parse]: { errno: 1064, sqlstate: 'HY000' },
  [ErrorName.Internal]: { errno: 1105, sqlstate: 'HY000' },
};

const DEFAULT = { errno: 1064, sqlstate: 'HY000' } as const;

/** The MySQL error packet's fields for any thrown value. */
export function mysqlErrorOf(err: unknown): MysqlError {
  const code = BY_NAME[errorCode(err)] ?? DEFAULT;
  return { ...code, message: errorMessage(err) };
}
