import { describe, expect, it } from 'vitest';
import { normalizeType, renderType } from '../../lib/domain/column-types.ts';
import { canonicalValue } from '../../lib/domain/values.ts';

const t = (name: string, ...params: number[]) => normalizeType({ name, params });

describe('canonical values', () => {
  it.each([
    [t('INT'), ' 42 ', '42'],
    [t('INT'), '-007', '-7'],
    [t('TINYINT'), '127', '127'],
    [t('LARGEINT'), '170141183460469231731687303715884105727', '170141183460469231731687303715884105727'],
    [t('BOOLEAN'), 'TRUE', '1'],
    [t('BOOLEAN'), '0', '0'],
    [t('DOUBLE'), '1e3', '1000'],
    [t('DECIMAL', 10, 2), '3.5', '3.50'],
    [t('DECIMAL', 10, 2), '-0.005', '-0.01'],
    [t('DECIMAL', 10, 2), '0.004', '0.00'],
    [t('DECIMAL', 5, 0), '12345', '12345'],
    [t('DATE'), '2024-2-9', '2024-02-09'],
    [t('DATE'), '20240229', '2024-02-29'],
    [t('DATETIME'), '2024-02-09', '2024-02-09 00:00:00'],
    [t('DATETIME'), '2024-02-09 1:02:03.5', '2024-02-09 01:02:03.500000'],
    [t('VARCHAR', 3), 'abc', 'abc'],
    [t('STRING'), '  keeps spaces ', '  keeps spaces '],
    [t('JSON'), '{"a": [1, 2]}', '{"a":[1,2]}'],
  ])('%o accepts %s as %s', (type, raw, expected) => {
    expect(canonicalValue(type, raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [t('INT'), '2147483648', 'is out of range for int(11)'],
    [t('TINYINT'), '-129', 'is out of range for tinyint(4)'],
    [t('INT'), '1.5', 'is not an integer'],
    [t('BOOLEAN'), 'yes', 'is not a boolean'],
    [t('DOUBLE'), 'abc', 'is not a number'],
    [t('DECIMAL', 4, 2), '100', 'is out of range for decimal(4, 2)'],
    [t('DECIMAL', 4, 2), '99.995', 'is out of range for decimal(4, 2)'],
    [t('DATE'), '2023-02-29', 'is not a valid DATE (yyyy-MM-dd)'],
    [t('DATE'), '2024-13-01', 'is not a valid DATE (yyyy-MM-dd)'],
    [t('DATETIME'), '2024-01-01 24:00:00', 'is not a valid DATETIME (yyyy-MM-dd HH:mm:ss)'],
    [t('VARCHAR', 3), 'abcd', 'is longer than 3 bytes'],
    [t('CHAR', 2), 'é€', 'is longer than 2 bytes'],
    [t('JSON'), '{', 'is not valid JSON'],
  ])('%o rejects %s: %s', (type, raw, reason) => {
    expect(canonicalValue(type, raw)).toEqual({ ok: false, reason });
  });
});

describe('column types', () => {
  it('normalizes aliases and renders as SHOW CREATE TABLE does', () => {
    expect(renderType(t('INTEGER'))).toBe('int(11)');
    expect(renderType(t('STRING'))).toBe('varchar(65533)');
    expect(renderType(t('DECIMAL'))).toBe('decimal(10, 0)');
    expect(renderType(t('decimal64', 18, 4))).toBe('decimal(18, 4)');
    expect(renderType(t('BIGINT', 20))).toBe('bigint(20)');
  });

  it('rejects bad types with the offending type in the message', () => {
    expect(() => t('BLOB')).toThrow("Unsupported type 'BLOB'");
    expect(() => t('VARCHAR', 0)).toThrow('Invalid type VARCHAR(0): length must be between 1 and 1048576');
    expect(() => t('DECIMAL', 10, 11)).toThrow('Invalid type DECIMAL(10,11): scale must be between 0 and the precision');
    expect(() => t('STRING', 10)).toThrow('Invalid type STRING(10): STRING takes no length');
    expect(() => t('DATE', 1)).toThrow('Invalid type DATE(1): takes no parameters');
  });
});
