/**
 * The StarRocks error codes (fe-core com/starrocks/common/ErrorCode.java, newest main) that starbackup's
 * errors can carry, by StarRocks' own constant name, with the errno and SQLSTATE a MySQL client shows.
 * StarRocks renumbered some MySQL codes into its own 5000 range (Unknown database is 5501/3F000, not
 * MySQL's 1049/42000); the numbers here are StarRocks', since that is the server clients expect.
 */
export const MYSQL_CODES = {
  /** What StarRocks' MysqlErrPacket sends when the query state has no ErrorCode: every uncoded error. */
  ERR_DEFAULT: { errno: 1064, sqlstate: 'HY000' },
  ERR_DB_CREATE_EXISTS: { errno: 1007, sqlstate: 'HY000' },
  ERR_DB_DROP_EXISTS: { errno: 1008, sqlstate: 'HY000' },
  ERR_AUTHENTICATION_FAIL: { errno: 1045, sqlstate: '28000' },
  ERR_NO_DB_ERROR: { errno: 1046, sqlstate: '3D000' },
  ERR_TABLE_EXISTS_ERROR: { errno: 1050, sqlstate: '42S01' },
  ERR_UNKNOWN_CHARACTER_SET: { errno: 1115, sqlstate: '42000' },
  ERR_UNKNOWN_SYSTEM_VARIABLE: { errno: 1193, sqlstate: 'HY000' },
  ERR_LOCAL_VARIABLE: { errno: 1228, sqlstate: 'HY000' },
  ERR_GLOBAL_VARIABLE: { errno: 1229, sqlstate: 'HY000' },
  ERR_WRONG_VALUE_FOR_VAR: { errno: 1231, sqlstate: '42000' },
  ERR_WRONG_TYPE_FOR_VAR: { errno: 1232, sqlstate: '42000' },
  ERR_UNKNOWN_TIME_ZONE: { errno: 1298, sqlstate: 'HY000' },
  ERR_PASSWD_LENGTH: { errno: 1372, sqlstate: 'HY000' },
  ERR_VARIABLE_IS_READONLY: { errno: 1621, sqlstate: 'HY000' },
  ERR_ACCESS_DENIED: { errno: 5203, sqlstate: '42000' },
  ERR_TIMEOUT: { errno: 5024, sqlstate: '53400' },
  ERR_BAD_DB_ERROR: { errno: 5501, sqlstate: '3F000' },
  ERR_BAD_TABLE_ERROR: { errno: 5502, sqlstate: '42602' },
  ERR_NO_SUCH_PARTITION: { errno: 5505, sqlstate: '42000' },
  ERR_CATALOG_EXISTED_ERROR: { errno: 5514, sqlstate: '42000' },
  ERR_BAD_CATALOG_ERROR: { errno: 5078, sqlstate: '42000' },
} as const satisfies Record<string, { errno: number; sqlstate: string }>;

export type MysqlCodeName = keyof typeof MYSQL_CODES;
