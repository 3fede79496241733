import { AnalysisError } from '../domain/errors.ts';
import {
  SESSION_VARIABLES, type SessionVariableDef, VariableFlag, requireVariable, selectedValue, settableValue, variableValue,
} from '../domain/session-variables.ts';
import type { Literal, SessionExpr, SetItem, SetValue, StatementOf } from '../sql/ast.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import { type ResultSet, ok, table } from './result-set.ts';
import type { Session } from './session.ts';
import { likeRegExp, whereRows } from './where-filter.ts';

/** `SET NAMES` takes the character sets StarRocks' SetNamesVar does (it only speaks UTF-8), and keeps nothing. */
const CHARSETS = ['utf8', 'utf8mb4', 'utf8mb3', 'gbk'];

/** `SELECT <literal | @@variable | session function>, … [LIMIT n]`: one row, titled by alias or as written. */
export async function selectValues(_ctx: ServiceContext, s: StatementOf<'SelectValues'>, session: Session): Promise<ResultSet> {
  const row = s.items.map((i) => valueOf(i.expr, session));
  return { columns: s.items.map((i) => i.title), rows: s.limit === 0 ? [] : [row] };
}

function valueOf(e: SessionExpr, session: Session): string | null {
  switch (e.kind) {
    case 'literal': return literalText(e.literal);
    case 'variable': {
      const def = requireVariable(e.name);
      // starbackup keeps no global variables: @@global.x reads x's default.
      return selectedValue(def, e.scope === 'GLOBAL' ? def.defaultValue : variableValue(def, session.variables));
    }
    case 'function': return functionValue(e.name, session);
  }
}

function functionValue(name: string, session: Session): string | null {
  switch (name) {
    case 'DATABASE':
    case 'SCHEMA': return session.db ?? null;
    case 'CONNECTION_ID': return String(session.connectionId ?? 0);
    case 'VERSION': return variableValue(requireVariable('version'), undefined);
    case 'CURRENT_VERSION': return variableValue(requireVariable('version_comment'), undefined);
    // StarRocks shows a user identity as 'name'@'host' (UserIdentity.toString); undefined is the home's owner.
    default: return `'${session.user?.name ?? 'root'}'@'${session.user?.host ?? '%'}'`;
  }
}

function literalText(l: Literal): string | null {
  if (l.type === 'null') return null;
  if (l.type === 'boolean') return l.value ? '1' : '0';
  return l.value;
}

/**
 * `SET …`: every item is checked before any is applied, so a failing SET changes nothing. Values live in the
 * session's variables (lower-case names); a value equal to what DEFAULT restores is removed instead.
 */
export async function setVariables(_ctx: ServiceContext, s: StatementOf<'SetVariables'>, session: Session): Promise<ResultSet> {
  const changes = s.items.flatMap((item) => changesOf(item));
  if (changes.length > 0) session.variables ??= new Map();
  for (const [name, value] of changes) {
    if (value === undefined) session.variables?.delete(name);
    else session.variables?.set(name, value);
  }
  return ok();
}

/** The [name, stored value | undefined for the default] pairs one SET item makes. */
function changesOf(item: SetItem): [string, string | undefined][] {
  if (item.kind === 'names') {
    if (item.charset !== undefined && !CHARSETS.includes(item.charset.toLowerCase())) {
      throw new AnalysisError(`Unknown character set: '${item.charset}'`, { mysqlCode: 'ERR_UNKNOWN_CHARACTER_SET' });
    }
    return [];
  }
  if (item.kind === 'transaction') {
    const pairs: [string, string | null][] = [];
    if (item.isolation !== undefined) pairs.push(['transaction_isolation', item.isolation], ['tx_isolation', item.isolation]);
    if (item.readOnly !== undefined) pairs.push(['transaction_read_only', item.readOnly ? 'true' : 'false']);
    return pairs.map(([name, value]) => assignment(requireVariable(name), item.scope, value));
  }
  const def = requireVariable(item.name);
  return [assignment(def, item.scope, valueText(item.value))];
}

function assignment(def: SessionVariableDef, scope: 'SESSION' | 'GLOBAL', value: string | null | undefined): [string, string | undefined] {
  if (scope === 'GLOBAL' && def.flag !== VariableFlag.ReadOnly) {
    // StarRocks' ERR_LOCAL_VARIABLE: here every settable variable is a session one; there is no global store.
    throw new AnalysisError(`Variable '${def.name}' is a SESSION variable and can't be used with SET GLOBAL`, { mysqlCode: 'ERR_LOCAL_VARIABLE' });
  }
  const stored = settableValue(def, value === undefined ? def.defaultValue : value);
  return [def.name, value === undefined || stored === def.defaultValue ? undefined : stored];
}

/** undefined is DEFAULT, null is NULL. */
function valueText(v: SetValue): string | null | undefined {
  if (v.type === 'default') return undefined;
  if (v.type === 'word') return v.word;
  return literalText(v.literal);
}

/** `SHOW [GLOBAL | SESSION] VARIABLES [LIKE | WHERE]`: every variable by name, as StarRocks' VariableMgr.dump shows them. */
export async function showVariables(_ctx: ServiceContext, s: StatementOf<'ShowVariables'>, session: Session): Promise<ResultSet> {
  const like = s.like === undefined ? undefined : likeRegExp(s.like);
  const rows = [...SESSION_VARIABLES]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .filter((d) => like === undefined || like.test(d.name))
    .map((d) => [d.name, s.global ? d.defaultValue : variableValue(d, session.variables)]);
  return whereRows(table(['Variable_name', 'Value'], rows), s.where);
}

/** `SHOW STATUS`: starbackup keeps no server status counters, so the list is empty (its columns as MySQL's). */
export async function showStatus(_ctx: ServiceContext, s: StatementOf<'ShowStatus'>): Promise<ResultSet> {
  return whereRows(table(['Variable_name', 'Value'], []), s.where);
}

/** `SHOW WARNINGS` / `SHOW ERRORS`: no statement leaves warnings behind; an error is reported when it happens. */
export async function showWarnings(): Promise<ResultSet> {
  return table(['Level', 'Code', 'Message'], []);
}
