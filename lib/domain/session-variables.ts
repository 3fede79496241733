import { AnalysisError } from './errors.ts';
import { checkVariableValue } from './variable-values.ts';

/** starbackup's own version; test/domain/session-variables.test.ts keeps it equal to package.json's. */
export const STARBACKUP_VERSION = '0.1.0';

/**
 * The largest message either door of `starbackup serve` reads (an HTTP body, a MySQL packet), and what
 * `@@max_allowed_packet` says, so a driver that sizes its packets by it is never refused: room for the 1 MiB
 * of SQL a request may carry written as JSON (up to 6 bytes a character) plus 64 KiB. StarRocks' default is
 * 32 MiB; read-only here, as the door's limit does not follow SET.
 */
export const MAX_ALLOWED_PACKET = 6 * 1024 * 1024 + 64 * 1024;

export const VariableFlag = {
  /** SET [SESSION] changes it for the connection. */
  Session: 'session',
  /** StarRocks' READ_ONLY, and GLOBAL-only ones: starbackup keeps no global variables to set. */
  ReadOnly: 'readonly',
} as const;

export type VariableKind = 'bool' | 'int' | 'string';

export interface SessionVariableDef {
  name: string;
  kind: VariableKind;
  /** As stored: booleans are 'true'/'false' (what StarRocks' SHOW VARIABLES shows). */
  defaultValue: string;
  flag: (typeof VariableFlag)[keyof typeof VariableFlag];
  /** `SET character_set_results = NULL` (Connector/J sends it): stored as '', selected as NULL. */
  nullable?: boolean;
}

const systemTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const v = (name: string, kind: VariableKind, defaultValue: string | number | boolean, flag: SessionVariableDef['flag'] = VariableFlag.Session, nullable = false): SessionVariableDef =>
  ({ name, kind, defaultValue: String(defaultValue), flag, ...(nullable ? { nullable } : {}) });
const ro = VariableFlag.ReadOnly;

/**
 * The variables MySQL clients and GUIs read or set on connect (Connector/J's connect query, the mysql and
 * mariadb clients, mysql2, pymysql, DataGrip), with StarRocks' defaults: fe-core qe/SessionVariable.java and
 * qe/GlobalVariable.java. `version` is Config.mysql_server_version's default; `version_comment` names
 * starbackup (StarRocks puts its own version there) and keeps "StarRocks" in it for tools that look for it.
 */
export const SESSION_VARIABLES: readonly SessionVariableDef[] = [
  v('version', 'string', '8.0.33', ro),
  v('version_comment', 'string', `starbackup ${STARBACKUP_VERSION} (StarRocks-compatible)`, ro),
  v('license', 'string', 'Apache License 2.0', ro),
  v('lower_case_table_names', 'int', 0, ro),
  v('system_time_zone', 'string', systemTimeZone, ro),
  v('performance_schema', 'bool', false, ro),
  v('net_buffer_length', 'int', 16384, ro),
  v('max_allowed_packet', 'int', MAX_ALLOWED_PACKET, ro),
  v('init_connect', 'string', '', ro),
  v('query_cache_size', 'int', 1048576, ro),
  v('character_set_database', 'string', 'utf8', ro),
  v('auto_increment_increment', 'int', 1),
  v('autocommit', 'bool', true),
  v('character_set_client', 'string', 'utf8'),
  v('character_set_connection', 'string', 'utf8'),
  v('character_set_results', 'string', 'utf8', VariableFlag.Session, true),
  v('character_set_server', 'string', 'utf8'),
  v('collation_connection', 'string', 'utf8_general_ci'),
  v('collation_database', 'string', 'utf8_general_ci'),
  v('collation_server', 'string', 'utf8_general_ci'),
  v('event_scheduler', 'string', 'OFF'),
  v('group_concat_max_len', 'int', 1024),
  // StarRocks says 3600 and 28800; `serve` closes a connection idle for 10 minutes (bin/listener-limits.ts
  // idleTimeoutMs), so that is what a client reads (mysql reconnects by itself when it finds one closed).
  v('interactive_timeout', 'int', 600),
  v('net_read_timeout', 'int', 60),
  v('net_write_timeout', 'int', 60),
  v('query_cache_type', 'int', 0),
  v('query_timeout', 'int', 300),
  v('sql_auto_is_null', 'bool', false),
  v('sql_mode', 'string', 'ONLY_FULL_GROUP_BY'),
  v('sql_safe_updates', 'int', 0),
  v('sql_select_limit', 'int', '9223372036854775807'),
  v('time_zone', 'string', systemTimeZone),
  v('transaction_isolation', 'string', 'REPEATABLE-READ'),
  v('transaction_read_only', 'bool', false),
  v('tx_isolation', 'string', 'REPEATABLE-READ'),
  v('wait_timeout', 'int', 600),
];

/** StarRocks' `alias` of a variable: the same value under a second name. */
const ALIASES: Record<string, string> = { tx_read_only: 'transaction_read_only' };

const BY_NAME = new Map(SESSION_VARIABLES.map((d) => [d.name, d]));

/** The variable of a name, case-insensitively; undefined when there is none. */
export function findVariable(name: string): SessionVariableDef | undefined {
  const lower = name.toLowerCase();
  return BY_NAME.get(ALIASES[lower] ?? lower);
}

/** The variable of a name, or StarRocks' ERR_UNKNOWN_SYSTEM_VARIABLE naming the most similar ones. */
export function requireVariable(name: string): SessionVariableDef {
  const def = findVariable(name);
  if (def) return def;
  throw new AnalysisError(`Unknown system variable '${name}', the most similar variables are {${similarNames(name).map((n) => `'${n}'`).join(', ')}}`, { mysqlCode: 'ERR_UNKNOWN_SYSTEM_VARIABLE' });
}

/** What `SET [SESSION] name = value` stores, checked; throws StarRocks' errors for read-only variables and bad values. */
export function settableValue(def: SessionVariableDef, value: string | null): string {
  if (def.flag === VariableFlag.ReadOnly) throw new AnalysisError(`Variable '${def.name}' is a read only variable`, { mysqlCode: 'ERR_VARIABLE_IS_READONLY' });
  return checkVariableValue(def, value);
}

/** A variable's value in a session: what SET stored, else its default. */
export function variableValue(def: SessionVariableDef, stored: ReadonlyMap<string, string> | undefined): string {
  return stored?.get(def.name) ?? def.defaultValue;
}

/** As `SELECT @@name` shows it: booleans as 1/0 (StarRocks' BoolLiteral), a NULL-set variable as NULL. */
export function selectedValue(def: SessionVariableDef, value: string): string | null {
  if (def.kind === 'bool') return value === 'true' ? '1' : '0';
  return def.nullable && value === '' ? null : value;
}

/** Up to three names closest to a misspelt one (StarRocks' VariableMgr.findSimilarSessionVarNames). */
function similarNames(name: string): string[] {
  const lower = name.toLowerCase();
  return SESSION_VARIABLES.map((d) => ({ n: d.name, d: distance(lower, d.name) }))
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, 3)
    .map((x) => x.n);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min((prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1), (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
