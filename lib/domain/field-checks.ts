import { AnalysisError } from './errors.ts';
import { printable } from './names.ts';

/**
 * Checks of JSON read back from storage, as combinators: each `Check` validates a value at a field path
 * and returns it typed, or throws a SnapshotFieldError naming the path and the reason. `shape` refuses a
 * missing or an unknown field, so a schema built from these mirrors its type field for field. (None is
 * called `then`: a module exporting `then` is a thenable, and `import()` of it never settles.)
 */
export class SnapshotFieldError extends AnalysisError {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field}: ${reason}`);
  }
}


export type Check<T> = (value: unknown, at: string) => T;

export function fail(at: string, reason: string): never {
  throw new SnapshotFieldError(at, reason);
}

/** Files a domain rule's message (checkName, normalizeType, …) under the field it concerns. */
export function rule<T>(at: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof AnalysisError && !(e instanceof SnapshotFieldError)) fail(at, e.message);
    throw e;
  }
}

export function validate<T>(file: string, body: unknown, check: Check<T>): T {
  try {
    return check(body, '');
  } catch (e) {
    if (!(e instanceof SnapshotFieldError)) throw e;
    const path = e.field.startsWith('.') ? e.field.slice(1) : e.field;
    throw new SnapshotFieldError(path ? `${file} ${path}` : file, e.reason);
  }
}

/** A field's path: `.key`, or `["key"]` for a key that is not an identifier (the root's leading dot is dropped when shown). */
export function step(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function field(at: string, key: string): string {
  return at + step(key);
}

export function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `'${printable(v.length > 64 ? `${v.slice(0, 64)}…` : v)}'`;
  return `${typeof v} ${String(v)}`;
}

export const text: Check<string> = (v, at) => (typeof v === 'string' ? v : fail(at, `expected a string, got ${shown(v)}`));
export const nonEmpty: Check<string> = (v, at) => (text(v, at) !== '' ? (v as string) : fail(at, 'expected a non-empty string'));
export const flag: Check<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, `expected true or false, got ${shown(v)}`));
/** Sizes, row and file counts, times: what a JSON number may be without losing precision, and never negative. */
export const count: Check<number> = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(at, `expected a non-negative integer, got ${shown(v)}`));
export const version: Check<number> = (v, at) => (Number.isSafeInteger(v) && (v as number) >= 1 ? (v as number) : fail(at, `expected a positive integer, got ${shown(v)}`));

export function matching(pattern: RegExp, what: string): Check<string> {
  return (v, at) => (pattern.test(text(v, at)) ? (v as string) : fail(at, `expected ${what}, got ${shown(v)}`));
}

export function oneOf<const V extends readonly string[]>(...values: V): Check<V[number]> {
  return (v, at) => (values.includes(v as string) ? (v as V[number]) : fail(at, `expected one of ${values.map((x) => `'${x}'`).join(', ')}, got ${shown(v)}`));
}

export function list<T>(item: Check<T>): Check<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) fail(at, `expected an array, got ${shown(v)}`);
    for (let i = 0; i < (v as unknown[]).length; i++) item((v as unknown[])[i], `${at}[${i}]`);
    return v as T[];
  };
}

export function orNull<T>(inner: Check<T>): Check<T | null> {
  return (v, at) => (v === null ? null : inner(v, at));
}

export function object(v: unknown, at: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(at, `expected an object, got ${shown(v)}`);
  return v as Record<string, unknown>;
}

/** An object used as a map: every key passes `key`, every value `value`. */
export function dict<V>(key: Check<string>, value: Check<V>): Check<Record<string, V>> {
  return (v, at) => {
    const o = object(v, at);
    for (const [k, x] of Object.entries(o)) {
      key(k, field(at, k));
      value(x, field(at, k));
    }
    return o as Record<string, V>;
  };
}

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type RequiredFields<T> = { [K in Exclude<keyof T, OptionalKeys<T>>]-?: Check<T[K]> };
type OptionalFields<T> = { [K in OptionalKeys<T>]-?: Check<Exclude<T[K], undefined>> };

/** An object with exactly these fields: a missing one, or one the format does not have, is refused. */
export function shape<T>(required: RequiredFields<T>, optional: OptionalFields<T>): Check<T> {
  const fields = (checks: object) => Object.entries(checks).map(([k, check]) => ({ k, step: step(k), check: check as Check<unknown> }));
  const [mandatory, optionals] = [fields(required), fields(optional)];
  const known = new Set([...mandatory, ...optionals].map((f) => f.k));
  return (v, at) => {
    const o = object(v, at);
    for (const f of mandatory) {
      if (!Object.hasOwn(o, f.k)) fail(at + f.step, 'missing');
      f.check(o[f.k], at + f.step);
    }
    let present = mandatory.length;
    for (const f of optionals) {
      if (Object.hasOwn(o, f.k)) {
        present++;
        f.check(o[f.k], at + f.step);
      }
    }
    let keys = 0;
    for (const _ in o) keys++;
    if (keys !== present) for (const k of Object.keys(o)) if (!known.has(k)) fail(field(at, k), 'unexpected field');
    return o as T;
  };
}

export function followedBy<T>(check: Check<T>, after: (value: T, at: string) => void): Check<T> {
  return (v, at) => {
    const value = check(v, at);
    after(value, at);
    return value;
  };
}

export function distinct(names: string[], at: (i: number) => string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) fail(at(i), `'${n}' appears more than once`);
    seen.add(n);
  });
}

export const distinctList = (item: Check<string>): Check<string[]> => followedBy(list(item), (xs, at) => distinct(xs, (i) => `${at}[${i}]`));
