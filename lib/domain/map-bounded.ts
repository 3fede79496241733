/**
 * `fn` over every item with at most `limit` running at once, results in item order. The worker-count knobs
 * (make_snapshot_worker_count, release_snapshot_worker_count) bound a phase's own fan-out with it, and
 * SHOW SNAPSHOT reads its `__info` files with it. Pure: it only schedules promises.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
