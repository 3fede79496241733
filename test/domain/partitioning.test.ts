import { describe, expect, it } from 'vitest';
import type { Partitioning } from '../../lib/domain/catalog-types.ts';
import { normalizeType } from '../../lib/domain/column-types.ts';
import { compareTuples, findPartition, rangesIntersect } from '../../lib/domain/partitioning.ts';
import { bucketOf } from '../../lib/domain/bucketing.ts';

const INT = normalizeType({ name: 'INT', params: [] });
const DATE = normalizeType({ name: 'DATE', params: [] });
const range: Partitioning = {
  type: 'RANGE', columns: ['k'],
  partitions: [
    { id: 'a', name: 'p1', range: { lower: [], upper: ['10'] } },
    { id: 'b', name: 'p2', range: { lower: ['10'], upper: ['100'] } },
    { id: 'c', name: 'p3', range: { lower: ['200'], upper: null } },
  ],
};

describe('partition routing', () => {
  it('puts a value in the range [lower, upper) that holds it, comparing numbers as numbers', () => {
    expect(findPartition([INT], range, ['-5'])?.name).toBe('p1');
    expect(findPartition([INT], range, ['9'])?.name).toBe('p1');
    expect(findPartition([INT], range, ['10'])?.name).toBe('p2');
    expect(findPartition([INT], range, ['99'])?.name).toBe('p2');
    expect(findPartition([INT], range, ['100'])).toBeUndefined();
    expect(findPartition([INT], range, ['99999999999'])?.name).toBe('p3');
    expect(findPartition([INT], range, [null])?.name).toBe('p1');
  });

  it('routes list partitions by value', () => {
    const list: Partitioning = { type: 'LIST', columns: ['c'], partitions: [
      { id: 'x', name: 'pla', values: [['Los Angeles'], ['San Francisco']] },
      { id: 'y', name: 'pny', values: [['New York']] },
    ] };
    expect(findPartition([DATE], list, ['New York'])?.name).toBe('pny');
    expect(findPartition([DATE], list, ['San Francisco'])?.name).toBe('pla');
    expect(findPartition([DATE], list, ['Boston'])).toBeUndefined();
  });

  it('orders tuples with missing trailing values as MINVALUE, and detects intersecting ranges', () => {
    expect(compareTuples([DATE, INT], ['2024-01-01'], ['2024-01-01', '5'])).toBe(-1);
    expect(rangesIntersect([INT], range.partitions[1]!, { id: 'z', name: 'q', range: { lower: ['50'], upper: ['60'] } })).toBe(true);
    expect(rangesIntersect([INT], range.partitions[1]!, { id: 'z', name: 'q', range: { lower: ['100'], upper: ['200'] } })).toBe(false);
  });

  it('hashes keys to stable buckets', () => {
    expect(bucketOf(['1'], 8)).toBe(bucketOf(['1'], 8));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => bucketOf([String(i)], 8)));
    expect(seen.size).toBe(8);
  });
});
