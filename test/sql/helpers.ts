import { readFileSync } from 'node:fs';
import type { Expr, Statement } from '../../lib/sql/ast.ts';
import { parseStatement } from '../../lib/sql/parse.ts';

/** A statement without its `text`, to compare ASTs. */
export type Body = Statement extends infer S ? (S extends Statement ? Omit<S, 'text'> : never) : never;

export function withoutText(s: Statement): Body {
  const { text: _text, ...rest } = s;
  return rest as Body;
}

export const ast = (sql: string): Body => withoutText(parseStatement(sql));

export const str = (value: string): Expr => ({ kind: 'literal', type: 'string', value });
export const num = (value: string): Expr => ({ kind: 'literal', type: 'number', value });
export const col = (name: string): Expr => ({ kind: 'column', name });

/** The user guide whose every ```SQL block must parse (kept outside the repo, next to it). */
export const SPEC_PATH = new URL('../../../shared/spec/backup-and-restore.zh.md', import.meta.url);

/** The bodies of the ```SQL fenced blocks, indentation included (some sit inside list items). */
export function specSqlBlocks(): string[] {
  const md = readFileSync(SPEC_PATH, 'utf8');
  return [...md.matchAll(/^[ \t]*```SQL[ \t]*\r?\n([\s\S]*?)^[ \t]*```/gm)].map((m) => m[1] ?? '');
}
