import { type ColumnType, intRange, isIntegerType } from './column-types.ts';
import { type Canonical, canonicalValue } from './values.ts';

/**
 * canonicalValue for one column, chosen once per load: a written value already in canonical form (the
 * common case in a file: `42`, `3.50`, `2024-02-09`) is checked with a few character tests and kept as it
 * is; anything else goes through canonicalValue, which has the last word on what is accepted and why not.
 * Returns the canonical text, or the Canonical refusal.
 */
export type ValueConverter = (raw: string) => string | Canonical;

export function valueConverter(t: ColumnType): ValueConverter {
  const slow = (raw: string): string | Canonical => {
    const v = canonicalValue(t, raw);
    return v.ok ? v.value : v;
  };
  if (isIntegerType(t)) {
    const [min, max] = intRange(t).map(Number) as [number, number];
    return (raw) => (plainInteger(raw, min, max) ? raw : slow(raw));
  }
  if (t.name === 'DECIMAL') {
    const [precision, scale] = [t.params[0]!, t.params[1]!];
    return (raw) => plainDecimal(raw, precision, scale) ?? slow(raw);
  }
  if (t.name === 'DATE') return (raw) => (plainDate(raw) ? raw : slow(raw));
  if (t.name === 'CHAR' || t.name === 'VARCHAR') {
    // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4): short text needs no count.
    const short = Math.floor(t.params[0]! / 3);
    return (raw) => (raw.length <= short ? raw : slow(raw));
  }
  return slow;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Digits, no leading zero, an optional `-` before a non-zero value, at most 15 digits, within range. */
function plainInteger(s: string, min: number, max: number): boolean {
  const n = s.length;
  const from = s.charCodeAt(0) === 45 ? 1 : 0;
  if (n - from < 1 || n - from > 15) return false;
  if (s.charCodeAt(from) === 48 && n - from > 1) return false;
  if (from === 1 && n === 2 && s.charCodeAt(1) === 48) return false; // -0
  for (let i = from; i < n; i++) if (!isDigit(s.charCodeAt(i))) return false;
  const v = Number(s);
  return v >= min && v <= max;
}

/**
 * `[-]int.frac` in canonical form but for missing trailing zeros (which are added): no leading zero, at
 * most `scale` fraction digits, within the precision, not a negative zero. Undefined otherwise.
 */
function plainDecimal(s: string, precision: number, scale: number): string | undefined {
  const n = s.length;
  const from = s.charCodeAt(0) === 45 ? 1 : 0;
  let dot = -1;
  let nonZero = false;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && dot < 0) dot = i;
    else if (!isDigit(c)) return undefined;
    else if (c !== 48) nonZero = true;
  }
  const intEnd = dot < 0 ? n : dot;
  const intDigits = intEnd - from;
  const fracDigits = dot < 0 ? 0 : n - dot - 1;
  if (intDigits < 1 || fracDigits > scale || (dot >= 0 && fracDigits === 0)) return undefined;
  if (s.charCodeAt(from) === 48 && intDigits > 1) return undefined;
  if (from === 1 && !nonZero) return undefined;
  // Digits before the point, leading zero excepted, plus scale must fit in the precision.
  const significant = intDigits === 1 && s.charCodeAt(from) === 48 ? 0 : intDigits;
  if (significant + scale > precision) return undefined;
  if (fracDigits === scale) return s;
  return `${s}${dot < 0 ? '.' : ''}${'0'.repeat(scale - fracDigits)}`;
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `yyyy-MM-dd`, a real day. */
function plainDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  for (const i of DATE_DIGITS) if (!isDigit(s.charCodeAt(i))) return false;
  // From the character codes: a load checks a date per row, and slicing made three strings of each.
  const digit = (i: number) => s.charCodeAt(i) - 48;
  const y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3), m = digit(5) * 10 + digit(6), d = digit(8) * 10 + digit(9);
  if (m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m]!) return false;
  return !(m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}
