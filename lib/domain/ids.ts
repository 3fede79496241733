/**
 * Ids sort by creation time (a base-36 millisecond prefix) so "the last job of a database" is a range query,
 * and carry randomness so two processes never collide.
 */
export function newId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(9, '0');
  const rand = globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12);
  return `${time}${rand}`;
}
