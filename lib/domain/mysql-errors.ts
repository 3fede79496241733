import { ErrorName, StarbackupError, errorCode, errorMessage } from './errors.ts';
import { MYSQL_CODES, type MysqlCodeName } from './mysql-codes.ts';

/** What a MySQL client shows of an error: `ERROR <errno> (<sqlstate>): <message>`. */
export interface MysqlError {
  errno: number;
  sqlstate: string;
  message: string;
}

/**
 * Codes that follow from the error's class alone. Everything else is StarRocks' default, 1064/HY000: its
 * MysqlErrPacket sends that whenever the query state carries no ErrorCode, which is the case for syntax
 * errors (ParsingException), analyzer errors raised as plain SemanticException, DdlException and
 * unexpected exceptions ("Unexpected exception: …") alike.
 */
const BY_NAME: Partial<Record<string, MysqlCodeName>> = {
  // A statement that ran past its time limit: StarRocks' ERR_TIMEOUT ("… reached its timeout of …").
  [ErrorName.DeadlineExceeded]: 'ERR_TIMEOUT',
  // A refusal of the trust-boundary policy reads as StarRocks' privilege error (ERR_ACCESS_DENIED); a
  // failed login passes ERR_AUTHENTICATION_FAIL itself.
  [ErrorName.AccessDenied]: 'ERR_ACCESS_DENIED',
};

/** The MySQL error packet's fields for any thrown value: its own code, else its class's, else 1064/HY000. */
export function mysqlErrorOf(err: unknown): MysqlError {
  const own = err instanceof StarbackupError ? err.mysqlCode : undefined;
  const code = MYSQL_CODES[own ?? BY_NAME[errorCode(err)] ?? 'ERR_DEFAULT'];
  return { errno: code.errno, sqlstate: code.sqlstate, message: errorMessage(err) };
}
