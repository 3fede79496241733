/** FNV-1a over the canonical key values: stable across processes and runtimes, unlike a seeded hash. */
export function hashKey(values: (string | null)[]): number {
  let h = 0x811c9dc5;
  const text = JSON.stringify(values);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function bucketOf(values: (string | null)[], buckets: number): number {
  return hashKey(values) % buckets;
}
