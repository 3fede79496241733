import { readFileSync } from 'node:fs';
import type { Expr, Statement } from '../../lib/sql/ast.ts';
import { ParseError } from '../../lib/domain/errors.ts';
import { parseStatement } from '../../lib/sql/parse.ts';

/** A statement without its `text`, to compare ASTs. */
export type Body = Statement extends infer S ? (S extends Statement ? Omit<S, 'text'> : never) : never;

export function withoutText(s: Statement): Body {
  const { text: _text, ...rest } = s;
  return rest as Body;
}

export const ast = (sql: string): Body => withoutText(parseStatement(sql));

/** The message of the syntax error a statement must raise. */
export function syntaxError(sql: string): string {
  try {
    parseStatement(sql);
  } catch (e) {
    if (e instanceof ParseError) return e.message;
    throw e;
  }
  throw new Error(`expected a syntax error from ${sql}`);
}

export const str = (value: string): Expr => ({ kind: 'literal', type: 'string', value });
export const num = (value: string): Expr => ({ kind: 'literal', type: 'number', value });
export const col = (name: string): Expr => ({ kind: 'column', name });

/**
 * The SQL examples of the user guide, every one of which must parse: a fixture of the guide's ```SQL
 * blocks, copied verbatim into the repository (the guide itself is not part of it).
 */
export const SPEC_STATEMENTS_PATH = new URL('../fixtures/spec-statements.sql', import.meta.url);

/** A block's first line in the fixture: `-- @block <n>: <section of the guide>`. */
const BLOCK_MARKER = /^-- @block \d+:.*\n/gm;

/** The bodies of the guide's ```SQL blocks, in its order, indentation and comments included. */
export function specSqlBlocks(): string[] {
  // CRLF in case a checkout converted line ends; the guide has none.
  const text = readFileSync(SPEC_STATEMENTS_PATH, 'utf8').replace(/\r\n/g, '\n');
  const [, ...blocks] = text.split(BLOCK_MARKER);
  // Each block but the last ends with the blank line that separates it from the next marker.
  return blocks.map((b) => b.replace(/\n\n$/, '\n'));
}
