/** The errors the door itself answers with, with MySQL's (or StarRocks') numbers and wording. */
import type { MysqlError } from '../../domain/mysql-errors.ts';

/** ER_NET_PACKET_TOO_LARGE, with our limit: the SQL of one query. */
export function tooMuchSql(bytes: number, max: number): MysqlError {
  return { errno: 1153, sqlstate: '08S01', message: `The query is ${bytes} bytes; a query may carry at most ${max} bytes of SQL, so split the script into several queries` };
}

/** ER_NET_PACKET_TOO_LARGE for a message dropped unread. */
export function tooLargePacket(maxBytes: number): MysqlError {
  return { errno: 1153, sqlstate: '08S01', message: `Got a packet bigger than 'max_allowed_packet' bytes: a command may carry at most ${maxBytes} bytes; nothing ran` };
}

/** ER_OUT_OF_RESOURCES: refused for memory; the client may try again. */
export function serverBusy(retryAfterSeconds: number): MysqlError {
  return { errno: 1041, sqlstate: 'HY000', message: `The server is busy: other requests fill its memory budget; nothing ran, retry in ${retryAfterSeconds} s` };
}

/** ER_UNKNOWN_STMT_HANDLER. */
export function unknownStatement(id: number, command: string): MysqlError {
  return { errno: 1243, sqlstate: 'HY000', message: `Unknown prepared statement handler (${id}) given to ${command}` };
}

/** StarRocks' and MySQL's ERR_ACCESS_DENIED_ERROR (StarRocks ErrorCode.java): user, client host, whether a password was sent. */
export function accessDenied(user: string, host: string, usingPassword: boolean): MysqlError {
  return { errno: 1045, sqlstate: '28000', message: `Access denied for user '${user}'@'${host}' (using password: ${usingPassword ? 'YES' : 'NO'})` };
}

/** StarRocks' ERR_SECURE_TRANSPORT_REQUIRED (ErrorCode.java), under ssl_force_secure_transport. */
export const INSECURE_TRANSPORT: MysqlError = { errno: 5205, sqlstate: 'HY000', message: 'Connections using insecure transport are prohibited' };

/** ER_HANDSHAKE_ERROR / ER_MALFORMED_PACKET / ER_UNKNOWN_COM_ERROR. */
export const badHandshake = (detail: string): MysqlError => ({ errno: 1043, sqlstate: '08S01', message: detail });
export const malformedPacket = (detail: string): MysqlError => ({ errno: 1835, sqlstate: 'HY000', message: detail });
export const unknownCommand = (code: number): MysqlError => ({ errno: 1047, sqlstate: '08S01', message: `Unknown command 0x${code.toString(16).padStart(2, '0')}` });
