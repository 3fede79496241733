import { describe, expect, it } from 'vitest';
import { newId, newJobId } from '../../lib/domain/ids.ts';

describe('newJobId', () => {
  it('is decimal digits that fit a Java long, as StarRocks\' job ids (backup/AbstractJob: long jobId)', () => {
    const id = newJobId(Date.UTC(2025, 0, 1));
    expect(id).toMatch(/^\d{18}$/);
    expect(BigInt(id) < 2n ** 63n).toBe(true);
  });

  it('sorts by creation time as text, after every id of the earlier base-36 form', () => {
    const ids = [newJobId(1_700_000_000_000), newJobId(1_700_000_000_001), newJobId(1_800_000_000_000)];
    expect([...ids].sort()).toEqual(ids);
    // "The last job of a database" is the greatest id: an old record must not outrank a new one.
    expect(newId(1_900_000_000_000) < newJobId(1_000_000_000_000)).toBe(true);
  });
});
