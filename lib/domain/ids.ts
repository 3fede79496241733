/**
 * Ids sort by creation time (a base-36 millisecond prefix) so "the last job of a database" is a range query,
 * and carry randomness so two processes never collide.
 */
export function newId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const rand = globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12);
  return `${time}${rand}`;
}

/**
 * A BACKUP or RESTORE job id: decimal digits, as StarRocks' job ids are (a Java long), so SHOW BACKUP's JobId
 * reads as a number. 13 digits of milliseconds then 5 random digits: 18 digits, below 2^63, sorting by creation
 * time as text. Older ids start with a base-36 `0…` and so sort before every numeric one; both stay valid.
 */
export function newJobId(now: number = Date.now()): string {
  const rand = globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! % 100_000;
  return `${String(now).padStart(13, '0')}${String(rand).padStart(5, '0')}`;
}
