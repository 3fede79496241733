/**
 * FNV-1a over the JSON text of the canonical key values: stable across processes and runtimes, unlike a
 * seeded hash. The text is hashed as it would be written, without building it, for values JSON writes as
 * they are (no quote, backslash or control character, no lone surrogate); others are stringified.
 */
export function hashKey(values: (string | null)[]): number {
  let h = fnv(0x811c9dc5, '[');
  for (let i = 0; i < values.length; i++) {
    if (i > 0) h = fnv(h, ',');
    const v = values[i]!;
    if (v === null) h = fnv(h, 'null');
    else if (PLAIN.test(v)) h = fnv(fnv(fnv(h, '"'), v), '"');
    else h = fnv(h, JSON.stringify(v));
  }
  return fnv(h, ']') >>> 0;
}

// Anything JSON.stringify would escape: `"`, `\`, control characters, and surrogates (paired ones are kept,
// but telling them apart is not worth it here).
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function bucketOf(values: (string | null)[], buckets: number): number {
  return hashKey(values) % buckets;
}
