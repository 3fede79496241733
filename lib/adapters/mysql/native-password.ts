/**
 * mysql_native_password: the client answers SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))).
 * The server, knowing only SHA1(SHA1(password)), recovers SHA1(password) from the answer and checks that
 * its SHA1 is what it keeps. Nothing here keeps or logs the answer.
 */
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';
import type { PasswordCheck } from '../../ports/authenticator.ts';

const sha1 = (...parts: Uint8Array[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** 20 random bytes, none of them NUL (the handshake carries them NUL-terminated) and all 7-bit, as MySQL makes them. */
export function newScramble(): Buffer {
  const b = randomFillSync(Buffer.alloc(20));
  for (let i = 0; i < b.length; i++) b[i] = 1 + (b[i]! % 127);
  return b;
}

export function verifyNativePassword(check: PasswordCheck, scramble: Buffer, answer: Buffer): boolean {
  if (check.kind === 'empty') return answer.length === 0;
  if (answer.length !== 20 || check.doubleSha1.length !== 20) return false;
  const mask = sha1(scramble, check.doubleSha1);
  const candidate = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) candidate[i] = answer[i]! ^ mask[i]!;
  return timingSafeEqual(sha1(candidate), check.doubleSha1);
}

/** What a client sends for `password` (tests, and a future catalog of users keeping doubleSha1). */
export function nativePasswordAnswer(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const once = sha1(Buffer.from(password, 'utf8'));
  const mask = sha1(scramble, sha1(once));
  return Buffer.from(once.map((b, i) => b ^ mask[i]!));
}
