import { describe, expect, it } from 'vitest';
import { columns, table } from '../../lib/statements/result-set.ts';

describe('columns: a result declared as (title, cell) pairs', () => {
  const shape = columns<{ name: string; size?: number; on: boolean }>([
    ['Name', (x) => x.name],
    ['Size', (x) => x.size],
    ['On', (x) => x.on],
  ]);

  it('gives the titles in order and one row per item, cells drawn as text, undefined and null as NULL', () => {
    expect(shape.columns).toEqual(['Name', 'Size', 'On']);
    expect(shape.of([{ name: 'a', size: 3, on: true }, { name: 'b', on: false }])).toEqual({
      columns: ['Name', 'Size', 'On'],
      rows: [['a', '3', 'true'], ['b', null, 'false']],
    });
  });

  it('draws the same rows table() draws from parallel arrays', () => {
    const items = [{ name: 'x', size: 0, on: false }];
    expect(shape.of(items)).toEqual(table(['Name', 'Size', 'On'], items.map((x) => [x.name, x.size, x.on])));
  });

  it('keeps its titles when a caller changes a result', () => {
    const result = shape.of([]);
    result.columns.push('Extra');
    expect(shape.of([]).columns).toEqual(['Name', 'Size', 'On']);
  });
});
