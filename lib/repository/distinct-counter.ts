/**
 * Counts distinct sha256s in 8 bytes each (their first 64 bits), where a Set of their hex strings took about
 * 120 bytes each: a million-segment snapshot's blob count in 8 MB. Two different sha256s that share their
 * first 64 bits count once; among a million blobs the chance of that is about 1 in 3 × 10^7, and the count
 * only cross-checks what `__info` records.
 */
export class DistinctCounter {
  private values = new BigUint64Array(1024);
  private size = 0;

  add(sha256: string): void {
    if (this.size === this.values.length) {
      const grown = new BigUint64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = BigInt(`0x${sha256.slice(0, 16)}`);
  }

  count(): number {
    const sorted = this.values.subarray(0, this.size).sort();
    let distinct = 0;
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
    return distinct;
  }
}
