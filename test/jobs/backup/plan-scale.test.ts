import { describe, expect, it } from 'vitest';
import { measurePlanning } from '../../../bench/plan-scale.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('plan-scale');

describe('planning a backup of many segments', () => {
  // The bench runs the same code at a million segments (npm run bench -- --plan-segments 1000000).
  it('keeps every state payload small and the batch count bounded, and a cancel cleans it all up', async () => {
    const r = await measurePlanning(await temp.make(), 60_000);
    expect(r.segments).toBe(60_000);
    // 60,000 files at 256 per batch would be 235 batches; the plan widens batches to stay near 200.
    expect(r.batches).toBe(200);
    expect(r.maxPayloadBytes).toBeLessThan(64 * 1024);
    expect(r.jobState).toBe('CANCELLED');
    expect(r.stagingLeft).toBe(0);
  }, 120_000);
});
