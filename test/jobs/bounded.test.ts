import { describe, expect, it } from 'vitest';
import { mapBounded } from '../../lib/jobs/bounded.ts';

describe('mapBounded', () => {
  it('keeps item order and never runs more than the limit at once', async () => {
    let running = 0, peak = 0;
    const release: (() => void)[] = [];
    const done = mapBounded([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return n * 10;
    });
    // Let each waiting task go one by one; no timers involved.
    while (release.length || running) {
      await Promise.resolve();
      release.shift()?.();
    }
    expect(await done).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });

  it('treats a limit of 0 as one', async () => {
    expect(await mapBounded(['a'], 0, async (x) => x)).toEqual(['a']);
  });
});
