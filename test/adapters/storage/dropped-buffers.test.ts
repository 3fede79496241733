import { PerformanceObserver, constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { YOUNG_GC_EVERY, droppedBuffers } from '../../../lib/adapters/storage/dropped-buffers.ts';

describe('droppedBuffers', () => {
  it('runs a young-generation collection for every YOUNG_GC_EVERY bytes dropped', async () => {
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      // 64 collections' worth in small steps, allocating nothing: V8 would run none of these by itself.
      for (let i = 0; i < 64 * 16; i++) droppedBuffers(YOUNG_GC_EVERY / 16);
      for (let i = 0; i < 100 && kinds.length < 64; i++) await new Promise((r) => setImmediate(r));
    } finally {
      observer.disconnect();
    }
    expect(kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(64);
  });
});
