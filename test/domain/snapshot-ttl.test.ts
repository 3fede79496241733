import { describe, expect, it } from 'vitest';
import { parseSnapshotTtl, snapshotExpireTime } from '../../lib/domain/snapshot-ttl.ts';

/**
 * StarRocks 4.2's BACKUP ttl: fe/.../backup/SnapshotTtl.parse → common/util/TimeUtils.parseHumanReadablePeriodOrDuration,
 * a PeriodStyle.LONG period (day, week, month, year) or else a DurationStyle.LONG duration (second, minute,
 * hour, day), units case-insensitive, singular or plural; SnapshotTtl.computeExpireTime adds it on the calendar.
 */
const INVALID = (v: string) => `Invalid ttl: '${v}'. Expected a duration such as '7 DAY' or '12 HOUR', or an empty value to keep the snapshot forever`;

describe('parseSnapshotTtl', () => {
  it.each([
    ['7 DAY', { text: '7 DAY', years: 0, months: 0, days: 7, seconds: 0 }],
    ['2 weeks', { text: '2 WEEK', years: 0, months: 0, days: 14, seconds: 0 }],
    ['1 Month', { text: '1 MONTH', years: 0, months: 1, days: 0, seconds: 0 }],
    ['1 YEAR 2 MONTHS', { text: '1 YEAR 2 MONTH', years: 1, months: 2, days: 0, seconds: 0 }],
    ['12 HOUR', { text: '12 HOUR', years: 0, months: 0, days: 0, seconds: 43_200 }],
    ['1 DAY 2 HOURS', { text: '1 DAY 2 HOUR', years: 0, months: 0, days: 0, seconds: 93_600 }],
    ['  90 minutes ', { text: '90 MINUTE', years: 0, months: 0, days: 0, seconds: 5_400 }],
  ])('%j', (value, parsed) => {
    expect(parseSnapshotTtl(value)).toEqual(parsed);
  });

  it('keeps forever on an empty value', () => {
    expect(parseSnapshotTtl('')).toBeUndefined();
    expect(parseSnapshotTtl('   ')).toBeUndefined();
  });

  it.each(['7', 'DAY', '7 DAYS AGO', '1 MONTH 2 HOUR', '1.5 DAY', '7 FORTNIGHT'])('refuses %j', (value) => {
    expect(() => parseSnapshotTtl(value)).toThrow(INVALID(value));
  });

  it.each(['0 DAY', '-1 MONTH', '1 MONTH -1 DAY', '1 HOUR -60 MINUTE'])('refuses %j as not positive', (value) => {
    expect(() => parseSnapshotTtl(value)).toThrow(`ttl must be a positive duration, but got: ${value}`);
  });
});

describe('snapshotExpireTime', () => {
  const local = (...a: [number, number, number, number?, number?]) => new Date(a[0], a[1], a[2], a[3] ?? 0, a[4] ?? 0).getTime();

  it('adds months on the calendar, clamping to the month\'s last day as java.time does', () => {
    expect(snapshotExpireTime(local(2024, 0, 31, 10, 30), '1 MONTH')).toBe(local(2024, 1, 29, 10, 30));
    expect(snapshotExpireTime(local(2023, 0, 31), '1 MONTH')).toBe(local(2023, 1, 28));
    expect(snapshotExpireTime(local(2024, 1, 29), '1 YEAR')).toBe(local(2025, 1, 28));
    expect(snapshotExpireTime(local(2024, 11, 15), '1 MONTH 1 WEEK')).toBe(local(2025, 0, 22));
  });

  it('adds durations as elapsed time', () => {
    expect(snapshotExpireTime(1_000, '12 HOUR')).toBe(1_000 + 43_200_000);
    expect(snapshotExpireTime(1_000, '')).toBeUndefined();
  });
});
