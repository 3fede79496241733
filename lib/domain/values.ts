import { type ColumnType, intRange, isIntegerType, renderType } from './column-types.ts';

/**
 * Turns a written value into its canonical stored text for a column type, or explains why it cannot.
 * Canonical forms make equal values compare equal: integers without leading zeros, DECIMAL with exactly
 * `scale` digits, dates as `yyyy-MM-dd`, datetimes as `yyyy-MM-dd HH:mm:ss[.ffffff]`, booleans as 1/0.
 */
export type Canonical = { ok: true; value: string } | { ok: false; reason: string };

const ok = (value: string): Canonical => ({ ok: true, value });
const no = (reason: string): Canonical => ({ ok: false, reason });

export function canonicalValue(t: ColumnType, raw: string): Canonical {
  const text = raw.trim();
  if (isIntegerType(t)) return integer(t, text);
  switch (t.name) {
    case 'BOOLEAN': return boolean(text);
    case 'FLOAT':
    case 'DOUBLE': return floating(text);
    case 'DECIMAL': return decimal(t, text);
    case 'CHAR':
    case 'VARCHAR': return Buffer.byteLength(raw, 'utf8') <= t.params[0]! ? ok(raw) : no(`is longer than ${t.params[0]} bytes`);
    case 'DATE': return date(text);
    case 'DATETIME': return datetime(text);
    case 'JSON': return json(raw);
    default: return no(`has unsupported type ${renderType(t)}`);
  }
}

function integer(t: ColumnType, text: string): Canonical {
  if (!/^[+-]?\d+$/.test(text)) return no('is not an integer');
  const v = BigInt(text);
  const [min, max] = intRange(t);
  if (v < min || v > max) return no(`is out of range for ${renderType(t)}`);
  return ok(v.toString());
}

function boolean(text: string): Canonical {
  const l = text.toLowerCase();
  if (l === 'true' || l === '1') return ok('1');
  if (l === 'false' || l === '0') return ok('0');
  return no('is not a boolean');
}

function floating(text: string): Canonical {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return no('is not a number');
  const n = Number(text);
  return Number.isFinite(n) ? ok(String(n)) : no('is out of range');
}

function decimal(t: ColumnType, text: string): Canonical {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return no('is not a decimal number');
  const [precision, scale] = [t.params[0]!, t.params[1]!];
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = (m[3] ?? '').padEnd(scale + 1, '0');
  let units = BigInt((m[2] || '0') + frac.slice(0, scale));
  if (Number(frac[scale]) >= 5) units += 1n; // round half up, as StarRocks does on insert
  const limit = 10n ** BigInt(precision);
  if (units >= limit) return no(`is out of range for decimal(${precision}, ${scale})`);
  const digits = units.toString().padStart(scale + 1, '0');
  const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return ok(units !== 0n && sign < 0n ? `-${body}` : body);
}

function validYmd(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(2000, mo, 0)).getUTCDate(); // month length in a leap year
  if (d > days) return false;
  return !(mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)));
}

function date(text: string): Canonical {
  const m = /^(\d{4})-?(\d{1,2})-?(\d{1,2})$/.exec(text);
  if (!m || !validYmd(+m[1]!, +m[2]!, +m[3]!)) return no('is not a valid DATE (yyyy-MM-dd)');
  return ok(`${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`);
}

function datetime(text: string): Canonical {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$/.exec(text);
  if (!m || !validYmd(+m[1]!, +m[2]!, +m[3]!)) return no('is not a valid DATETIME (yyyy-MM-dd HH:mm:ss)');
  const [h, mi, s] = [+(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return no('is not a valid DATETIME (yyyy-MM-dd HH:mm:ss)');
  const p = (n: number | string) => String(n).padStart(2, '0');
  const frac = m[7] && Number(m[7]) !== 0 ? `.${m[7].padEnd(6, '0')}` : '';
  return ok(`${m[1]}-${p(m[2]!)}-${p(m[3]!)} ${p(h)}:${p(mi)}:${p(s)}${frac}`);
}

function json(raw: string): Canonical {
  try {
    return ok(JSON.stringify(JSON.parse(raw)));
  } catch {
    return no('is not valid JSON');
  }
}
