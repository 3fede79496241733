import type { ParseError } from '../domain/errors.ts';
import type { Statement } from './ast.ts';
import { TokenType, type Source, type Token } from './lexer.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What a statement parser returns; the dispatcher adds `text`. */
export type StatementBody = DistributiveOmit<Statement, 'text'>;

export const MAX_DEPTH = 200;
export const MAX_STATEMENT_BYTES = 1024 * 1024;
const MAX_SUGGESTIONS = 5;

/**
 * Words that can never be an unquoted name. Everything else that looks like a keyword (BACKUP,
 * SNAPSHOT, TIMESTAMP, …) is matched by text where the grammar expects it and is a name elsewhere.
 */
const RESERVED = new Set([
  'ADD', 'ALL', 'ALTER', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CREATE', 'CROSS', 'CURRENT_TIMESTAMP',
  'DATABASE', 'DATABASES', 'DEFAULT', 'DELETE', 'DESC', 'DISTINCT', 'DISTRIBUTED', 'DROP', 'ELSE', 'EXCEPT',
  'EXISTS', 'FALSE', 'FOR', 'FROM', 'FULL', 'GRANT', 'GROUP', 'HAVING', 'IF', 'IN', 'INNER', 'INSERT',
  'INTERSECT', 'INTERVAL', 'INTO', 'IS', 'JOIN', 'KEY', 'LEFT', 'LIKE', 'LIMIT', 'NOT', 'NULL', 'ON', 'OR',
  'ORDER', 'OUTER', 'PARTITION', 'PARTITIONS', 'PRIMARY', 'RIGHT', 'SELECT', 'SET', 'SHOW', 'TABLE', 'THEN',
  'TO', 'TRUE', 'UNION', 'UPDATE', 'USE', 'VALUES', 'WHEN', 'WHERE', 'WITH',
]);

const Label = {
  identifier: 'a legal identifier',
  string: 'a string',
  integer: 'an integer',
  eof: '<EOF>',
} as const;

/**
 * A cursor over one statement's tokens. Every check at the current position records what would
 * have been accepted there, so a failure can say what was expected instead of only what was found.
 */
export class TokenStream {
  pos = 0;
  private expected: string[] = [];
  private expectedAt = -1;
  private depth = 0;

  constructor(readonly src: Source, readonly tokens: Token[], private readonly endOffset: number) {}

  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }

  next(): Token {
    const tok = this.tokens[this.pos];
    if (tok === undefined) this.fail();
    this.pos++;
    return tok;
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  note(label: string): void {
    if (this.expectedAt !== this.pos) {
      this.expectedAt = this.pos;
      this.expected = [];
    }
    if (!this.expected.includes(label)) this.expected.push(label);
  }

  /** Lookahead without recording an expectation. */
  isWord(kw: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.upper === kw;
  }

  isSymbol(sym: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.type === TokenType.Symbol && t.value === sym;
  }

  /** An unquoted non-reserved word or a backquoted name. */
  isName(k = 0): boolean {
    const t = this.peek(k);
    if (t === undefined) return false;
    return t.type === TokenType.Quoted || (t.type === TokenType.Word && !RESERVED.has(t.upper));
  }

  peekKeyword(kw: string): boolean {
    this.note(`'${kw}'`);
    return this.isWord(kw);
  }

  optionalKeyword(kw: string): boolean {
    if (!this.peekKeyword(kw)) return false;
    this.pos++;
    return true;
  }

  expectKeyword(kw: string): void {
    if (!this.optionalKeyword(kw)) this.fail();
  }

  optionalOneOf(kws: readonly string[]): string | undefined {
    for (const kw of kws) this.note(`'${kw}'`);
    const t = this.peek();
    if (t === undefined || !kws.includes(t.upper)) return undefined;
    this.pos++;
    return t.upper;
  }

  expectOneOf(kws: readonly string[]): string {
    return this.optionalOneOf(kws) ?? this.fail();
  }

  optionalSymbol(sym: string): boolean {
    this.note(`'${sym}'`);
    if (!this.isSymbol(sym)) return false;
    this.pos++;
    return true;
  }

  expectSymbol(sym: string): void {
    if (!this.optionalSymbol(sym)) this.fail();
  }

  identifier(): string {
    this.note(Label.identifier);
    if (!this.isName()) this.fail();
    return this.next().value;
  }

  stringLiteral(): string {
    this.note(Label.string);
    if (this.peek()?.type !== TokenType.String) this.fail();
    return this.next().value;
  }

  /** Partition and catalog names may be quoted strings for historical reasons. */
  identifierOrString(): string {
    if (this.peek()?.type === TokenType.String) return this.next().value;
    this.note(Label.string);
    return this.identifier();
  }

  integer(): number {
    this.note(Label.integer);
    const t = this.peek();
    if (t?.type !== TokenType.Number || !/^[0-9]+$/.test(t.value)) this.fail();
    const n = Number(t.value);
    if (!Number.isSafeInteger(n)) throw this.errorAt(t, `Integer '${t.value}' is out of range`);
    this.pos++;
    return n;
  }

  expectEnd(): void {
    this.note(Label.eof);
    if (!this.atEnd()) this.fail();
  }

  /** Guards recursion so hostile input fails with a ParseError rather than a stack overflow. */
  enter(): void {
    if (++this.depth > MAX_DEPTH) throw this.errorAt(this.peek(), `Statement is nested more than ${MAX_DEPTH} levels deep`);
  }

  leave(): void {
    this.depth--;
  }

  /** The source text of tokens [from, to), verbatim. */
  sourceText(from: number, to = this.pos): string {
    const a = this.tokens[from];
    const b = this.tokens[to - 1];
    return a === undefined || b === undefined ? '' : this.src.text.slice(a.start, b.end);
  }

  errorAt(tok: Token | undefined, detail: string): ParseError {
    return this.src.error(detail, tok === undefined ? this.endOffset : tok.start);
  }

  fail(): never {
    const tok = this.peek();
    const expected = this.expectedAt === this.pos ? this.expected : [];
    if (tok === undefined) {
      if (expected.length === 0) throw this.errorAt(tok, 'Unexpected end of input');
      if (expected.length === 1) throw this.errorAt(tok, `Unexpected end of input, expected ${expected[0]}`);
      throw this.errorAt(tok, `Unexpected end of input, expected one of {${expected.slice(0, MAX_SUGGESTIONS).join(', ')}}`);
    }
    const shown = shownText(this.src, tok);
    if (expected.length === 0) throw this.errorAt(tok, `Unexpected input '${shown}'`);
    const similar = suggestions(tok, shown, expected).join(', ');
    throw this.errorAt(tok, `Unexpected input '${shown}', the most similar input is {${similar}}`);
  }
}

/** A token as an error message quotes it: its source text, cut short if it is long. */
export function shownText(src: Source, tok: Token): string {
  const raw = src.text.slice(tok.start, Math.min(tok.end, tok.start + 41));
  return raw.length > 40 ? raw.slice(0, 40) + '...' : raw;
}

/**
 * Up to MAX_SUGGESTIONS labels. A misspelt word gets the keywords spelt most like it; any other
 * token gets the grammar's own order, with the generic labels (a legal identifier, ')') first.
 */
function suggestions(tok: Token, shown: string, labels: string[]): string[] {
  if (labels.length <= MAX_SUGGESTIONS) return labels;
  const keyword = (label: string) => label.length > 2 && label.startsWith("'") && /^'[A-Z_]+'$/.test(label);
  if (tok.type !== TokenType.Word) {
    return [...labels.filter((l) => !keyword(l)), ...labels.filter(keyword)].slice(0, MAX_SUGGESTIONS);
  }
  const word = shown.toUpperCase();
  return labels
    .map((label, i) => ({ label, i, d: editDistance(word, keyword(label) ? label.slice(1, -1) : label) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, MAX_SUGGESTIONS)
    .map((x) => x.label);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** `{key: value}` when value is defined, `{}` otherwise, so absent clauses leave no keys behind. */
export function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Parses a statement, or the rest of one, from the stream. */
export type StatementParser = (ts: TokenStream) => StatementBody;

/**
 * Dispatch on the next keyword: one parser per word, called after the word. The table's order is the order
 * a syntax error at that word lists what was expected, so a word and its parser are added together.
 */
export function keywordDispatch(parsers: Readonly<Record<string, StatementParser>>): StatementParser {
  const words = Object.keys(parsers);
  return (ts) => parsers[ts.expectOneOf(words)]!(ts);
}

/** A parser that starts at the word the dispatch just read (`SHOW FULL FUNCTIONS`, `CREATE AGGREGATE FUNCTION`). */
export function fromWord(parse: StatementParser): StatementParser {
  return (ts) => {
    ts.pos--;
    return parse(ts);
  };
}
