import { AnalysisError } from './errors.ts';

/**
 * BACKUP's `ttl` (StarRocks 4.2, fe/.../backup/SnapshotTtl.java): pairs of `<integer> <unit>`, parsed
 * first as a calendar period (TimeUtils.parseHumanReadablePeriodOrDuration → PeriodStyle.LONG: DAY, WEEK,
 * MONTH, YEAR) and, failing that, as a duration (DurationStyle.LONG: SECOND, MINUTE, HOUR, DAY); units are
 * case-insensitive with an optional plural `S`. The two kinds do not mix in one value.
 */
export interface SnapshotTtl {
  /** Normalised text, e.g. `1 MONTH` or `36 HOUR`. */
  text: string;
  years: number;
  months: number;
  days: number;
  seconds: number;
}

const PERIOD: Record<string, 'years' | 'months' | 'days' | 'weeks'> = { DAY: 'days', WEEK: 'weeks', MONTH: 'months', YEAR: 'years' };
const DURATION: Record<string, number> = { SECOND: 1, MINUTE: 60, HOUR: 3_600, DAY: 86_400 };

type Pair = [number, string];

function pairs(value: string): Pair[] | undefined {
  const tokens = value.trim().split(/\s+/);
  if (tokens.length % 2 !== 0) return undefined;
  const out: Pair[] = [];
  for (let i = 0; i < tokens.length; i += 2) {
    if (!/^[+-]?\d+$/.test(tokens[i]!)) return undefined;
    out.push([Number(tokens[i]), tokens[i + 1]!.toUpperCase().replace(/S$/, '')]);
  }
  return out;
}

function asPeriod(p: Pair[]): SnapshotTtl | undefined {
  const t: SnapshotTtl = { text: '', years: 0, months: 0, days: 0, seconds: 0 };
  for (const [n, unit] of p) {
    const field = PERIOD[unit];
    // Java's Period holds ints: a larger number is not a period (it may still be a duration).
    if (!field || Math.abs(n) >= 2 ** 31) return undefined;
    if (field === 'weeks') t.days += 7 * n;
    else t[field] += n;
  }
  return t;
}

function asDuration(p: Pair[]): SnapshotTtl | undefined {
  let seconds = 0;
  for (const [n, unit] of p) {
    const mult = DURATION[unit];
    if (mult === undefined) return undefined;
    seconds += n * mult;
  }
  return { text: '', years: 0, months: 0, days: 0, seconds };
}

/** The parsed ttl, or undefined for an empty value (keep forever); StarRocks' messages otherwise. */
export function parseSnapshotTtl(value: string): SnapshotTtl | undefined {
  if (!value.trim()) return undefined;
  const p = pairs(value);
  const ttl = p && (asPeriod(p) ?? asDuration(p));
  if (!ttl || !Number.isSafeInteger(ttl.seconds)) {
    throw new AnalysisError(`Invalid ttl: '${value}'. Expected a duration such as '7 DAY' or '12 HOUR', or an empty value to keep the snapshot forever`);
  }
  const parts = [ttl.years, ttl.months, ttl.days, ttl.seconds];
  if (parts.every((n) => n === 0) || parts.some((n) => n < 0)) throw new AnalysisError(`ttl must be a positive duration, but got: ${value}`);
  ttl.text = p!.map(([n, unit]) => `${n} ${unit}`).join(' ');
  return ttl;
}

/**
 * When a snapshot finished at `finishMs` expires: the period is added on the local calendar (so `1 MONTH`
 * from Jan 31 is the last day of February, as java.time's plusMonths clamps), then the seconds
 * (SnapshotTtl.computeExpireTime adds the PeriodDuration to a LocalDateTime in the system zone).
 */
export function snapshotExpireTime(finishMs: number, ttlText: string): number | undefined {
  const ttl = parseSnapshotTtl(ttlText);
  if (!ttl) return undefined;
  const d = new Date(finishMs);
  const months = d.getFullYear() * 12 + d.getMonth() + ttl.years * 12 + ttl.months;
  const year = Math.floor(months / 12), month = months % 12;
  const lastDay = new Date(year, month + 1, 0).getDate();
  const at = new Date(year, month, Math.min(d.getDate(), lastDay), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
  at.setDate(at.getDate() + ttl.days);
  return at.getTime() + ttl.seconds * 1000;
}
