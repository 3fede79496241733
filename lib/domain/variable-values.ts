import { AnalysisError } from './errors.ts';
import type { SessionVariableDef } from './session-variables.ts';

/**
 * SQL modes `SET sql_mode` takes: MySQL's (Connector/J appends STRICT_TRANS_TABLES) and StarRocks' own
 * (SqlModeHelper). starbackup runs no queries they would change; they are kept so clients read back what they set.
 */
const SQL_MODES = new Set([
  'REAL_AS_FLOAT', 'PIPES_AS_CONCAT', 'ANSI_QUOTES', 'IGNORE_SPACE', 'NOT_USED', 'ONLY_FULL_GROUP_BY',
  'NO_UNSIGNED_SUBTRACTION', 'NO_DIR_IN_CREATE', 'POSTGRESQL', 'ORACLE', 'MSSQL', 'DB2', 'MAXDB',
  'NO_KEY_OPTIONS', 'NO_TABLE_OPTIONS', 'NO_FIELD_OPTIONS', 'MYSQL323', 'MYSQL40', 'ANSI',
  'NO_AUTO_VALUE_ON_ZERO', 'NO_BACKSLASH_ESCAPES', 'STRICT_TRANS_TABLES', 'STRICT_ALL_TABLES', 'NO_ZERO_IN_DATE',
  'NO_ZERO_DATE', 'INVALID_DATES', 'ERROR_FOR_DIVISION_BY_ZERO', 'TRADITIONAL', 'NO_AUTO_CREATE_USER',
  'HIGH_NOT_PRECEDENCE', 'NO_ENGINE_SUBSTITUTION', 'PAD_CHAR_TO_FULL_LENGTH', 'TIME_TRUNCATE_FRACTIONAL',
  'SORT_NULLS_LAST', 'ERROR_IF_OVERFLOW', 'GROUP_CONCAT_LEGACY', 'ALLOW_THROW_EXCEPTION', 'FORBID_INVALID_DATE',
  'MODE_DOUBLE_LITERAL',
]);

const ISOLATION_LEVELS = new Set(['READ-UNCOMMITTED', 'READ-COMMITTED', 'REPEATABLE-READ', 'SERIALIZABLE']);

/** Per-variable checks beyond the type, returning the value as stored. */
const CHECKS: Record<string, (name: string, value: string) => string> = {
  time_zone: (_name, value) => timeZone(value),
  sql_mode: (name, value) => {
    const modes = value.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '');
    if (modes.some((m) => !SQL_MODES.has(m))) throw wrongValue(name, value);
    return [...new Set(modes)].join(',');
  },
  transaction_isolation: isolation,
  tx_isolation: isolation,
};

/** The value `SET` stores for a variable, in the variable's own form; StarRocks' errors when it does not fit. */
export function checkVariableValue(def: SessionVariableDef, value: string | null): string {
  if (value === null) {
    if (def.nullable) return '';
    throw wrongValue(def.name, 'NULL');
  }
  switch (def.kind) {
    case 'bool': {
      const b = { '1': 'true', '0': 'false', true: 'true', false: 'false', on: 'true', off: 'false' }[value.toLowerCase()];
      if (b === undefined) throw wrongValue(def.name, value);
      return b;
    }
    case 'int':
      if (!/^[+-]?\d+$/.test(value.trim())) throw new AnalysisError(`Incorrect argument type to variable '${def.name}'`, { mysqlCode: 'ERR_WRONG_TYPE_FOR_VAR' });
      return BigInt(value.trim()).toString();
    default:
      return CHECKS[def.name]?.(def.name, value) ?? value;
  }
}

function wrongValue(name: string, value: string): AnalysisError {
  return new AnalysisError(`Variable '${name}' can't be set to the value of '${value}'`, { mysqlCode: 'ERR_WRONG_VALUE_FOR_VAR' });
}

function isolation(name: string, value: string): string {
  const level = value.trim().toUpperCase().replace(/\s+/g, '-');
  if (!ISOLATION_LEVELS.has(level)) throw wrongValue(name, value);
  return level;
}

/**
 * StarRocks' TimeUtils.checkTimeZoneValidAndStandardize: an offset `[+-]h:mm` (written back as ±hh:mm,
 * within -12:59..+14:00), SYSTEM, or a zone name the runtime knows; else ERR_UNKNOWN_TIME_ZONE.
 */
function timeZone(value: string): string {
  const unknown = () => new AnalysisError(`Unknown or incorrect time zone: '${value}'`, { mysqlCode: 'ERR_UNKNOWN_TIME_ZONE' });
  const offset = /^([+-])(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (offset) {
    const [, sign, h, m] = offset as unknown as [string, string, string, string];
    const minutes = Number(h) * 60 + Number(m);
    if (Number(m) > 59 || (sign === '+' ? minutes > 14 * 60 : minutes > 12 * 60 + 59)) throw unknown();
    return `${sign}${h.padStart(2, '0')}:${m}`;
  }
  if (value.toUpperCase() === 'SYSTEM') return 'SYSTEM';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    throw unknown();
  }
}
