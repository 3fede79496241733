import { DECLARED_SECRET_PROPERTIES } from '../domain/secret-properties.ts';
import { isSecretProperty, redact } from '../domain/secrets.ts';
import { Lexer, Source, type Token, TokenType } from './lexer.ts';

export const REDACTED = '***';

/**
 * A statement as it may be echoed (API responses, `--json`, logs, job records): the value of every
 * secret property (`"aws.s3.secret_key" = "…"`) and every password (`IDENTIFIED BY '…'`) becomes `'***'`.
 * A statement does not say which backend or catalog type its properties are for until it runs, so a
 * property is secret here if any backend or catalog type declares it (DECLARED_SECRET_PROPERTIES) or if
 * its name looks like a secret.
 * It works on tokens, so quoting and comments cannot hide a value; past a lexical error (the statement
 * will not run anyway) a pattern over the rest masks what still looks like a secret property.
 */
export function redactStatement(text: string): string {
  return redactWithSecrets(text).text;
}

/** The redacted text and the secret values found, so an error message quoting one can be masked too. */
export function redactWithSecrets(text: string): { text: string; secrets: string[] } {
  const spans: Token[] = [];
  const recent: Token[] = [];
  let stoppedAt: number | undefined;
  const lexer = new Lexer(new Source(text));
  try {
    for (let tok = lexer.next(); tok; tok = lexer.next()) {
      recent.push(tok);
      if (recent.length > 3) recent.shift();
      if (tok.type === TokenType.String && isSecretValue(recent)) spans.push(tok);
    }
  } catch {
    // From the start of the last tokens read, so a key and its `=` before the bad token are seen again.
    stoppedAt = recent[0]?.start ?? 0;
  }
  let out = '';
  let at = 0;
  for (const span of spans) {
    const quote = text[span.start] ?? "'";
    out += `${text.slice(at, span.start)}${quote}${REDACTED}${quote}`;
    at = span.end;
  }
  const secrets = spans.map((s) => s.value).filter((v) => v !== '');
  if (stoppedAt === undefined) return { text: out + text.slice(at), secrets };
  const rest = maskByPattern(text.slice(Math.max(at, stoppedAt)), secrets);
  return { text: out + text.slice(at, Math.max(at, stoppedAt)) + rest, secrets };
}

/** Masks the secrets a statement carried wherever they appear in a message about it. */
export function redactMessage(message: string, secrets: readonly string[]): string {
  return redact(message, Object.fromEntries(secrets.map((s, i) => [String(i), s])));
}

/**
 * `"secret.key" = 'v'`, `IDENTIFIED BY 'v'`, `IDENTIFIED BY PASSWORD 'v'`, `IDENTIFIED WITH
 * mysql_native_password BY|AS 'v'`, `PASSWORD('v')`, `SET PASSWORD = 'v'` (password is a secret property name): the current token (a string) is the value when the two before it say so.
 */
function isSecretValue(recent: Token[]): boolean {
  if (recent.length < 3) return false;
  const [a, b] = recent as [Token, Token, Token];
  if (b.value === '=') return (a.type === TokenType.String || a.type === TokenType.Quoted || a.type === TokenType.Word) && isSecretProperty(a.value, DECLARED_SECRET_PROPERTIES);
  if (b.upper === 'BY' || b.upper === 'AS') return a.upper === 'IDENTIFIED' || a.upper.endsWith('PASSWORD');
  if (b.upper === 'PASSWORD' && a.upper === 'BY') return true;
  return b.value === '(' && a.upper === 'PASSWORD';
}

const PROPERTY = /(["'`])([^"'`\n]{1,128})\1(\s*=\s*)(["'])((?:\\.|(?!\4)[^\\])*)(\4|$)/g;
/** A password after the words that introduce one, as isSecretValue reads them from tokens. */
const PASSWORD = /(\bIDENTIFIED\s+(?:WITH\s+[\w`'"]+\s+)?(?:BY|AS)(?:\s+PASSWORD)?\s*|\bPASSWORD\s*(?:\(|=)\s*)(["'])((?:\\[^]?|(?!\2)[^\\])*)(\2|$)/gi;

function maskByPattern(rest: string, secrets: string[]): string {
  const masked = rest.replace(PASSWORD, (_whole, lead: string, q: string, value: string, end: string) => {
    if (value) secrets.push(value);
    return `${lead}${q}${REDACTED}${end}`;
  });
  return masked.replace(PROPERTY, (whole, q: string, key: string, eq: string, vq: string, value: string, end: string) => {
    if (!isSecretProperty(key, DECLARED_SECRET_PROPERTIES)) return whole;
    if (value) secrets.push(value);
    return `${q}${key}${q}${eq}${vq}${REDACTED}${end}`;
  });
}
