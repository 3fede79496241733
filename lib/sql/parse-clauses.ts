import type { DistributionDesc, Literal, Properties, QualifiedName, TypeRef } from './ast.ts';
import { TokenType } from './lexer.ts';
import type { TokenStream } from './token-stream.ts';

/** `name` or `db.name`. */
export function qualifiedName(ts: TokenStream): QualifiedName {
  const first = ts.identifier();
  if (!ts.isSymbol('.')) return { name: first };
  ts.pos++;
  return { db: first, name: ts.identifier() };
}

export function ifNotExists(ts: TokenStream): boolean {
  if (!ts.optionalKeyword('IF')) return false;
  ts.expectKeyword('NOT');
  ts.expectKeyword('EXISTS');
  return true;
}

export function ifExists(ts: TokenStream): boolean {
  if (!ts.optionalKeyword('IF')) return false;
  ts.expectKeyword('EXISTS');
  return true;
}

/** `FROM db` or `IN db`, as SHOW statements take it. */
export function optionalFromDb(ts: TokenStream): string | undefined {
  return ts.optionalOneOf(['FROM', 'IN']) === undefined ? undefined : ts.identifier();
}

export function commaList<T>(ts: TokenStream, item: () => T): T[] {
  const items = [item()];
  while (ts.optionalSymbol(',')) items.push(item());
  return items;
}

/** `(a, b, …)`. */
export function identifierList(ts: TokenStream): string[] {
  ts.expectSymbol('(');
  const names = commaList(ts, () => ts.identifier());
  ts.expectSymbol(')');
  return names;
}

/** `("k" = "v", …)`; a key given twice is an error rather than a silent overwrite. */
export function propertyList(ts: TokenStream): Properties {
  const props: Properties = {};
  ts.expectSymbol('(');
  commaList(ts, () => {
    const keyToken = ts.peek();
    const key = ts.stringLiteral();
    ts.expectSymbol('=');
    const value = ts.stringLiteral();
    if (Object.hasOwn(props, key)) throw ts.errorAt(keyToken, `Duplicate property key '${key}'`);
    // defineProperty, because assigning "__proto__" would replace the prototype instead.
    Object.defineProperty(props, key, { value, enumerable: true, writable: true, configurable: true });
  });
  ts.expectSymbol(')');
  return props;
}

/** `PROPERTIES (…)` if present, else an empty set. */
export function optionalProperties(ts: TokenStream): Properties {
  return ts.optionalKeyword('PROPERTIES') ? propertyList(ts) : {};
}

/** A constant: string, number (a leading `-` makes it negative), NULL, TRUE or FALSE. */
export function literal(ts: TokenStream, label = 'a literal'): Literal {
  ts.note(label);
  const t = ts.peek();
  if (t?.type === TokenType.String) {
    ts.pos++;
    return { kind: 'literal', type: 'string', value: t.value };
  }
  const negative = ts.isSymbol('-') && ts.peek(1)?.type === TokenType.Number;
  if (negative) ts.pos++;
  const n = ts.peek();
  if (n?.type === TokenType.Number) {
    ts.pos++;
    return { kind: 'literal', type: 'number', value: negative ? '-' + n.value : n.value };
  }
  if (t?.type === TokenType.Word) {
    if (t.upper === 'NULL' || t.upper === 'TRUE' || t.upper === 'FALSE') ts.pos++;
    if (t.upper === 'NULL') return { kind: 'literal', type: 'null' };
    if (t.upper === 'TRUE' || t.upper === 'FALSE') return { kind: 'literal', type: 'boolean', value: t.upper === 'TRUE' };
  }
  return ts.fail();
}

/** A column type: a name and optional integer parameters, `DECIMAL(10, 2)`; the analyzer checks it. */
export function typeRef(ts: TokenStream): TypeRef {
  ts.note('a type');
  const t = ts.peek();
  if (t?.type !== TokenType.Word || !ts.isName()) return ts.fail();
  ts.pos++;
  if (!ts.optionalSymbol('(')) return { name: t.upper, params: [] };
  const params = commaList(ts, () => ts.integer());
  ts.expectSymbol(')');
  return { name: t.upper, params };
}

/** `PARTITION (p, …)`, `PARTITIONS (p, …)` or `PARTITION p`; names may be quoted strings. */
export function partitionNames(ts: TokenStream): string[] | undefined {
  if (ts.optionalOneOf(['PARTITION', 'PARTITIONS']) === undefined) return undefined;
  if (!ts.optionalSymbol('(')) return [ts.identifierOrString()];
  const names = commaList(ts, () => ts.identifierOrString());
  ts.expectSymbol(')');
  return names;
}

/** After `DISTRIBUTED BY`: `HASH (c, …) [BUCKETS n]` or `RANDOM [BUCKETS n]`. */
export function distributionDesc(ts: TokenStream): DistributionDesc {
  const kind = ts.expectOneOf(['HASH', 'RANDOM']);
  const columns = kind === 'HASH' ? identifierList(ts) : undefined;
  const buckets = ts.optionalKeyword('BUCKETS') ? ts.integer() : undefined;
  const bucketsPart = buckets === undefined ? {} : { buckets };
  return columns === undefined ? { type: 'RANDOM', ...bucketsPart } : { type: 'HASH', columns, ...bucketsPart };
}

/** The rest of the statement after `AS`, kept verbatim so views show exactly what was written. */
export function rawQuery(ts: TokenStream): string {
  const t = ts.peek();
  ts.note(`'SELECT'`);
  ts.note(`'WITH'`);
  if (t === undefined || (t.upper !== 'SELECT' && t.upper !== 'WITH')) return ts.fail();
  const text = ts.sourceText(ts.pos, ts.tokens.length);
  ts.pos = ts.tokens.length;
  return text;
}
