/**
 * Prepared statements without a server-side plan: the `?` placeholders of the statement text (symbols
 * outside strings, comments and quoted names, found by the SQL lexer) are replaced with the parameters
 * quoted as SQL literals, and the resulting text runs as a query would.
 */
import { Lexer, Source, TokenType } from '../../sql/lexer.ts';
import type { ParamValue } from './statement-params.ts';

/** Offsets of each `?` placeholder; throws the lexer's ParseError on text it cannot read. */
export function placeholderOffsets(sql: string): number[] {
  const lexer = new Lexer(new Source(sql));
  const offsets: number[] = [];
  for (let tok = lexer.next(); tok; tok = lexer.next()) {
    if (tok.type === TokenType.Symbol && tok.value === '?') offsets.push(tok.start);
  }
  return offsets;
}

export function substitute(sql: string, offsets: readonly number[], values: readonly ParamValue[]): string {
  if (offsets.length !== values.length) throw new Error(`${offsets.length} placeholders but ${values.length} parameters`);
  const parts: string[] = [];
  let from = 0;
  offsets.forEach((at, i) => {
    parts.push(sql.slice(from, at), literal(values[i]!));
    from = at + 1;
  });
  parts.push(sql.slice(from));
  return parts.join('');
}

const ESCAPED: Record<string, string> = { '\0': '\\0', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '\\': '\\\\' };

/** A value as a SQL literal the lexer reads back to the same value. */
export function literal(value: ParamValue): string {
  if (value === null) return 'NULL';
  // A space before a minus sign: `a-?` with -1 must not become the comment `a--1`.
  if (typeof value === 'bigint') return value < 0n ? ` ${value}` : value.toString();
  if (typeof value === 'number') {
    // NaN and infinities have no SQL literal; as strings they fail where a number is needed, with the value shown.
    if (!Number.isFinite(value)) return quote(String(value));
    return value < 0 || Object.is(value, -0) ? ` ${value}` : String(value);
  }
  return quote(typeof value === 'string' ? value : value.date);
}

function quote(s: string): string {
  return `'${s.replace(/[\0\n\r\x1a'\\]/g, (c) => ESCAPED[c]!)}'`;
}
