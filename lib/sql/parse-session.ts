import type { Expr, SessionExpr, SetItem, SetValue } from './ast.ts';
import { TokenType } from './lexer.ts';
import { commaList, literal } from './parse-clauses.ts';
import { expression } from './parse-expression.ts';
import { opt, type StatementBody, type TokenStream } from './token-stream.ts';

/** Functions a SELECT without FROM may call; the rest of the SELECT grammar needs a table. */
const FUNCTIONS = ['DATABASE', 'SCHEMA', 'CURRENT_USER', 'USER', 'SESSION_USER', 'SYSTEM_USER', 'CONNECTION_ID', 'VERSION', 'CURRENT_VERSION'];
/** The ones MySQL also takes without parentheses. */
const BARE_FUNCTIONS = ['CURRENT_USER'];
const SCOPES: Record<string, 'SESSION' | 'GLOBAL'> = { SESSION: 'SESSION', LOCAL: 'SESSION', GLOBAL: 'GLOBAL' };

/** Whether the SELECT after the current position has no FROM: the session queries clients send on connect. */
export function isSelectWithoutFrom(ts: TokenStream): boolean {
  const rest = ts.tokens.slice(ts.pos);
  // MySQL's DUAL is no table: `SELECT 1 FROM DUAL` is what some connection pools ping with.
  return rest.every((t, i) => t.upper !== 'FROM' || rest[i + 1]?.upper === 'DUAL');
}

/** After `SELECT`, with no FROM: `expr [[AS] alias], … [LIMIT n]`. A column is titled by its alias, else as written. */
export function parseSelectValues(ts: TokenStream): StatementBody {
  const items = commaList(ts, () => {
    const from = ts.pos;
    const expr = sessionExpr(ts);
    const written = expr.kind === 'literal' && expr.literal.type === 'string' ? expr.literal.value : ts.sourceText(from);
    const aliased = ts.optionalKeyword('AS') || ts.isName() || ts.peek()?.type === TokenType.String;
    return { expr, title: aliased ? ts.identifierOrString() : written };
  });
  if (ts.optionalKeyword('FROM')) ts.expectKeyword('DUAL');
  const limit = ts.optionalKeyword('LIMIT') ? ts.integer() : undefined;
  return { kind: 'SelectValues', items, ...opt('limit', limit) };
}

function sessionExpr(ts: TokenStream): SessionExpr {
  if (ts.isSymbol('@') && ts.isSymbol('@', 1)) return systemVariable(ts);
  ts.note(`'@@'`);
  const t = ts.peek();
  if (t?.type === TokenType.Word && FUNCTIONS.includes(t.upper) && (ts.isSymbol('(', 1) || BARE_FUNCTIONS.includes(t.upper))) {
    ts.pos++;
    if (ts.optionalSymbol('(')) ts.expectSymbol(')');
    return { kind: 'function', name: t.upper };
  }
  if (t?.type === TokenType.Word && ts.isSymbol('(', 1) && !['NULL', 'TRUE', 'FALSE'].includes(t.upper)) {
    throw ts.errorAt(t, `Function ${t.value}() needs a FROM clause here; without FROM only literals, @@variables and ${FUNCTIONS.join('(), ')}() are supported`);
  }
  return { kind: 'literal', literal: literal(ts, 'an expression') };
}

/** `@@name`, `@@session.name`, `@@global.name`, `@@local.name`: the `@@` and the dot written without spaces. */
function systemVariable(ts: TokenStream): SessionExpr {
  const at = ts.next();
  const second = ts.next();
  const name = ts.peek();
  if (second.start !== at.end || (name !== undefined && name.start !== second.end)) throw ts.errorAt(second, "Unexpected input '@', a system variable is written @@name");
  if (name === undefined) return { kind: 'variable', name: variableName(ts), scope: 'SESSION' };
  let scope: 'SESSION' | 'GLOBAL' = 'SESSION';
  const scoped = SCOPES[name.upper];
  if (scoped && ts.isSymbol('.', 1) && ts.peek(1)?.start === name.end) {
    ts.pos += 2;
    scope = scoped;
  }
  return { kind: 'variable', name: variableName(ts), scope };
}

/** A variable's name: any word (keywords included, as in @@version) or a backquoted name. */
function variableName(ts: TokenStream): string {
  ts.note('a variable name');
  const t = ts.peek();
  if (t?.type !== TokenType.Word && t?.type !== TokenType.Quoted) ts.fail();
  ts.pos++;
  return t.value;
}

/** After `SET`: one or more comma-separated assignments. */
export function parseSet(ts: TokenStream): StatementBody {
  return { kind: 'SetVariables', items: commaList(ts, () => setItem(ts)) };
}

function setItem(ts: TokenStream): SetItem {
  if (ts.optionalKeyword('NAMES')) return charset(ts, true);
  if (ts.optionalKeyword('CHARSET')) return charset(ts, false);
  if (ts.isWord('CHARACTER') && ts.isWord('SET', 1)) {
    ts.pos += 2;
    return charset(ts, false);
  }
  if (ts.isSymbol('@') && ts.isSymbol('@', 1)) {
    const v = systemVariable(ts) as Extract<SessionExpr, { kind: 'variable' }>;
    return { kind: 'variable', scope: v.scope, name: v.name, value: assigned(ts) };
  }
  // A scope word, unless it is itself the variable being set.
  const scoped = SCOPES[ts.peek()?.upper ?? ''];
  const scope = scoped && !ts.isSymbol('=', 1) && !ts.isSymbol(':', 1) ? scoped : undefined;
  if (scope) ts.pos++;
  if (ts.optionalKeyword('TRANSACTION')) return { kind: 'transaction', scope: scope ?? 'SESSION', ...transaction(ts) };
  const name = variableName(ts);
  return { kind: 'variable', scope: scope ?? 'SESSION', name, value: assigned(ts) };
}

/** After `NAMES`, `CHARSET` or `CHARACTER SET`: a character set or DEFAULT, and for NAMES an optional COLLATE. */
function charset(ts: TokenStream, names: boolean): SetItem {
  const cs = ts.optionalKeyword('DEFAULT') ? undefined : ts.identifierOrString();
  const collation = names && ts.optionalKeyword('COLLATE') ? ts.identifierOrString() : undefined;
  return { kind: 'names', ...opt('charset', cs), ...opt('collation', collation) };
}

/** `= value` or `:= value` (the lexer reads `:=` as `:` and `=`, written together). */
function assigned(ts: TokenStream): SetValue {
  ts.note(`':='`);
  const colon = ts.peek();
  if (colon !== undefined && ts.isSymbol(':') && ts.isSymbol('=', 1) && ts.peek(1)?.start === colon.end) ts.pos++;
  ts.expectSymbol('=');
  if (ts.optionalKeyword('DEFAULT')) return { type: 'default' };
  const t = ts.peek();
  if (t?.type === TokenType.Word && !['NULL', 'TRUE', 'FALSE'].includes(t.upper)) {
    ts.pos++;
    return { type: 'word', word: t.value };
  }
  return { type: 'literal', literal: literal(ts, 'a value') };
}

/** After `SET [scope] TRANSACTION`: `ISOLATION LEVEL …` and/or `READ ONLY | READ WRITE`. */
function transaction(ts: TokenStream): { isolation?: string; readOnly?: boolean } {
  const out: { isolation?: string; readOnly?: boolean } = {};
  do {
    if (ts.optionalKeyword('ISOLATION')) {
      ts.expectKeyword('LEVEL');
      const first = ts.expectOneOf(['READ', 'REPEATABLE', 'SERIALIZABLE']);
      const second = first === 'READ' ? ts.expectOneOf(['UNCOMMITTED', 'COMMITTED']) : first === 'REPEATABLE' ? (ts.expectKeyword('READ'), 'READ') : undefined;
      out.isolation = second ? `${first}-${second}` : first;
    } else {
      ts.expectKeyword('READ');
      out.readOnly = ts.expectOneOf(['ONLY', 'WRITE']) === 'ONLY';
    }
  } while (ts.optionalSymbol(','));
  return out;
}

/** After `SHOW [GLOBAL | SESSION | LOCAL]`: `VARIABLES | STATUS [LIKE 'p' | WHERE expr]`. */
export function parseShowVariables(ts: TokenStream, global: boolean): StatementBody {
  const kind = ts.expectOneOf(['VARIABLES', 'STATUS']) === 'VARIABLES' ? 'ShowVariables' : 'ShowStatus';
  let like: string | undefined;
  let where: Expr | undefined;
  if (ts.optionalKeyword('LIKE')) like = ts.stringLiteral();
  else if (ts.optionalKeyword('WHERE')) where = expression(ts);
  return { kind, global, ...opt('like', like), ...opt('where', where) };
}

/** After `SHOW WARNINGS` or `SHOW ERRORS`: an optional `LIMIT n`, which changes nothing in an empty list. */
export function parseShowWarnings(ts: TokenStream, errors: boolean): StatementBody {
  if (ts.optionalKeyword('LIMIT')) ts.integer();
  return { kind: 'ShowWarnings', errors };
}
