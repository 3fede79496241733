import { ParseError } from '../domain/errors.ts';

export const TokenType = {
  Word: 'word',
  Quoted: 'quoted',
  String: 'string',
  Number: 'number',
  Symbol: 'symbol',
} as const;
export type TokenTypeValue = (typeof TokenType)[keyof typeof TokenType];

export interface Token {
  type: TokenTypeValue;
  /** Word and Number: as written; Quoted and String: unescaped; Symbol: the symbol itself. */
  value: string;
  /** Words only (else ''), so a backquoted `select` can never be taken for the keyword. */
  upper: string;
  /** Offsets into the whole script, end exclusive. */
  start: number;
  end: number;
}

/** The script being parsed; maps offsets to the 1-based line/column that ParseError reports. */
export class Source {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  error(detail: string, offset: number): ParseError {
    const { line, column } = this.position(offset);
    return new ParseError(detail, line, column);
  }
}

// Longest first: the lexer takes the first that matches.
const MULTI_SYMBOLS = ['<=>', '...', '<=', '>=', '<>', '!=', '&&', '||'];
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', '0': '\0', Z: '\x1a' };

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordPart = (c: number) => isWordStart(c) || isDigit(c);
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** Pulls one token at a time so the caller can stop early (statement size cap) on huge input. */
export class Lexer {
  private i = 0;
  private prev: Token | undefined;
  constructor(private readonly src: Source) {}

  next(): Token | undefined {
    this.skipTrivia();
    const s = this.src.text;
    const start = this.i;
    if (start >= s.length) return undefined;
    const c = s.charCodeAt(start);
    let tok: Token;
    if (isWordStart(c)) tok = this.word(start);
    else if (isDigit(c) || (c === 46 && isDigit(s.charCodeAt(start + 1)) && !this.afterName())) tok = this.number(start);
    else if (c === 39 || c === 34) tok = this.string(start, s[start] as string);
    else if (c === 96) tok = this.quoted(start);
    else if (c > 32 && c < 127) tok = this.symbol(start);
    else throw this.src.error(`Unexpected character ${describeChar(s, start)}`, start);
    this.prev = tok;
    return tok;
  }

  private skipTrivia(): void {
    const s = this.src.text;
    for (;;) {
      const c = s.charCodeAt(this.i);
      // A byte-order mark is what editors on Windows put before a saved script.
      if (isSpace(c) || (c === 0xfeff && this.i === 0)) this.i++;
      else if (c === 35 || ((c === 45 || c === 47) && s.charCodeAt(this.i + 1) === c)) this.skipLine();
      else if (c === 47 && s.charCodeAt(this.i + 1) === 42) {
        const end = s.indexOf('*/', this.i + 2);
        if (end === -1) throw this.src.error('Unterminated comment', this.i);
        this.i = end + 2;
      } else return;
    }
  }

  private skipLine(): void {
    const end = this.src.text.indexOf('\n', this.i);
    this.i = end === -1 ? this.src.text.length : end + 1;
  }

  /** `t.5` is a name and a symbol, not a name and the number `.5`. */
  private afterName(): boolean {
    const p = this.prev;
    return p !== undefined && p.end === this.i && (p.type === TokenType.Word || p.type === TokenType.Quoted || p.value === ')');
  }

  private word(start: number): Token {
    const s = this.src.text;
    let i = start + 1;
    while (isWordPart(s.charCodeAt(i))) i++;
    this.i = i;
    const value = s.slice(start, i);
    return { type: TokenType.Word, value, upper: value.toUpperCase(), start, end: i };
  }

  private number(start: number): Token {
    const s = this.src.text;
    let i = start;
    while (isDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 46) for (i++; isDigit(s.charCodeAt(i)); ) i++;
    const e = s.charCodeAt(i);
    if (e === 69 || e === 101) {
      let j = i + 1;
      if (s[j] === '+' || s[j] === '-') j++;
      if (isDigit(s.charCodeAt(j))) for (i = j; isDigit(s.charCodeAt(i)); ) i++;
    }
    if (isWordPart(s.charCodeAt(i))) {
      let j = i;
      while (isWordPart(s.charCodeAt(j))) j++;
      throw this.src.error(`Unexpected input '${s.slice(start, j)}': a name cannot start with a digit unless it is backquoted`, start);
    }
    this.i = i;
    return { type: TokenType.Number, value: s.slice(start, i), upper: '', start, end: i };
  }

  private string(start: number, quote: string): Token {
    const s = this.src.text;
    const q = quote.charCodeAt(0);
    const parts: string[] = [];
    let from = start + 1;
    for (let i = from; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 92) {
        const ch = s[i + 1];
        if (ch === undefined) break;
        parts.push(s.slice(from, i));
        // MySQL keeps the backslash before % and _ so LIKE patterns can still match them literally.
        parts.push(ESCAPES[ch] ?? (ch === '%' || ch === '_' ? '\\' + ch : ch));
        from = ++i + 1;
      } else if (c === q) {
        parts.push(s.slice(from, i));
        if (s.charCodeAt(i + 1) !== q) {
          this.i = i + 1;
          return { type: TokenType.String, value: parts.join(''), upper: '', start, end: i + 1 };
        }
        from = ++i;
      }
    }
    throw this.src.error('Unterminated string literal', start);
  }

  private quoted(start: number): Token {
    const s = this.src.text;
    const parts: string[] = [];
    let i = start + 1;
    for (;;) {
      const j = s.indexOf('`', i);
      if (j === -1) throw this.src.error('Unterminated quoted identifier', start);
      parts.push(s.slice(i, j));
      if (s[j + 1] === '`') {
        parts.push('`');
        i = j + 2;
        continue;
      }
      const value = parts.join('');
      if (value === '') throw this.src.error('Empty quoted identifier', start);
      this.i = j + 1;
      return { type: TokenType.Quoted, value, upper: '', start, end: j + 1 };
    }
  }

  private symbol(start: number): Token {
    const s = this.src.text;
    const value = MULTI_SYMBOLS.find((m) => s.startsWith(m, start)) ?? (s[start] as string);
    this.i = start + value.length;
    return { type: TokenType.Symbol, value, upper: '', start, end: this.i };
  }
}

function describeChar(s: string, at: number): string {
  const cp = s.codePointAt(at) ?? 0;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  const printable = cp > 0x9f && !(cp >= 0xd800 && cp <= 0xdfff);
  return printable ? `'${String.fromCodePoint(cp)}' (${hex})` : hex;
}
