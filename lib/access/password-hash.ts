import { createHash, timingSafeEqual } from 'node:crypto';
import { AnalysisError } from '../domain/errors.ts';
import type { PasswordCheck } from '../ports/authenticator.ts';

/**
 * The one form a password is kept in: mysql_native_password's `*` + upper hex of SHA1(SHA1(password)), as
 * mysql.user and StarRocks (MysqlPassword.makeScrambledPassword) keep it; '' for no password. The clear
 * password is hashed here and goes no further.
 */
export type NativeHash = string;

const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();

/** `*` + 40 upper hex digits, or '' for the empty password (StarRocks' EMPTY_PASSWORD). */
export function nativePasswordHash(password: string): NativeHash {
  if (password === '') return '';
  return `*${sha1(sha1(Buffer.from(password, 'utf8'))).toString('hex').toUpperCase()}`;
}

/**
 * A hash given as `IDENTIFIED WITH mysql_native_password AS '*…'` or `IDENTIFIED BY PASSWORD '*…'`, checked as
 * StarRocks' MysqlPassword.checkPassword does (ERR_PASSWD_LENGTH); '' is the empty password.
 */
export function checkedNativeHash(hash: string): NativeHash {
  if (hash === '') return '';
  const upper = hash.toUpperCase();
  if (!/^\*[0-9A-F]{40}$/.test(upper)) {
    throw new AnalysisError('Password hash should be a 41-digit hexadecimal number', { mysqlCode: 'ERR_PASSWD_LENGTH' });
  }
  return upper;
}

/**
 * Whether a clear password (HTTP Basic) is the one a hash was made from, in constant time. An empty hash
 * (root before ALTER USER) takes only the empty password, as on the MySQL door.
 */
export function passwordMatchesHash(password: string, hash: NativeHash): boolean {
  if (hash === '') return password === '';
  const given = Buffer.from(nativePasswordHash(password));
  const stored = Buffer.from(hash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** What the MySQL door verifies a login against. */
export function passwordCheckOf(hash: NativeHash): PasswordCheck {
  if (hash === '') return { kind: 'empty' };
  return { kind: 'native', doubleSha1: Uint8Array.from(Buffer.from(hash.slice(1), 'hex')) };
}
