import { describe, expect, it } from 'vitest';
import { hashKey } from '../../lib/domain/bucketing.ts';
import { normalizeType } from '../../lib/domain/column-types.ts';
import { valueConverter } from '../../lib/domain/value-converter.ts';
import { canonicalValue } from '../../lib/domain/values.ts';

const t = (name: string, ...params: number[]) => normalizeType({ name, params });

/** The fast paths keep what canonicalValue keeps and refuse what it refuses, with its reasons. */
describe('per-column value converters', () => {
  const types = [t('TINYINT'), t('INT'), t('BIGINT'), t('LARGEINT'), t('DECIMAL', 10, 2), t('DECIMAL', 5, 0), t('DECIMAL', 4, 4),
    t('DATE'), t('DATETIME'), t('VARCHAR', 3), t('CHAR', 6), t('VARCHAR', 200), t('BOOLEAN'), t('DOUBLE')];
  const raws = ['0', '-0', '00', '7', '-7', '+7', '007', '127', '128', '-128', '-129', '2147483647', '2147483648', '999999999999999',
    '-999999999999999', '9223372036854775807', '9223372036854775808', '1e3', ' 42 ', '', '-', '.', '3.', '.5', '0.5', '3.5', '3.50',
    '3.505', '-0.00', '-0.01', '0.00', '12345', '123456', '12345678.99', '123456789.99', '99999999.99', '0.9999', '1.0000',
    '2024-02-29', '2023-02-29', '2024-13-01', '2024-04-31', '2024-2-9', '20240229', '2024-02-09 01:02:03', 'abc', 'abcd', 'éé', 'ééé',
    '€€', '😀', 'true', '\u00a0', '١٢'];
  it.each(types)('%o', (type) => {
    const convert = valueConverter(type);
    for (const raw of raws) {
      const v = canonicalValue(type, raw);
      expect([raw, convert(raw)]).toEqual([raw, v.ok ? v.value : v]);
    }
  });
});

describe('key hash', () => {
  // The hash of the JSON text as written before (buckets of existing tables must not move).
  const reference = (values: (string | null)[]) => {
    let h = 0x811c9dc5;
    const text = JSON.stringify(values);
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h >>> 0;
  };
  it.each([[['1']], [['42', '2024-01-01']], [[null]], [['a', null, 'b']], [['say "hi"']], [['back\\slash']], [['tab\there\n']],
    [['é€😀']], [['\ud800']], [[]], [['', '']]])('%o', (values) => {
    expect(hashKey(values)).toBe(reference(values));
  });
});
