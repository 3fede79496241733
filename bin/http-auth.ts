/**
 * Who an HTTP request of `serve` comes from: the home's bearer token (root, the home's owner) or, as
 * StarRocks' FE HTTP API takes (fe-core http/BaseAction.getAuthorizationInfo), HTTP Basic with a user of
 * the catalog and its password, checked against the account's mysql_native_password hash.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountStore } from '../lib/access/account-store.ts';
import { passwordMatchesHash } from '../lib/access/password-hash.ts';

/** The account a request runs as; undefined for the bearer token, which is the home's owner (root). */
export type HttpUser = { name: string; host: string } | undefined;

export type HttpAuth = { ok: true; user: HttpUser } | { ok: false; message: string };

/** What every 401 offers: both schemes, so a browser or curl --anyauth knows Basic is taken. */
export const WWW_AUTHENTICATE = 'Basic realm="starbackup", Bearer';

/** Longer passwords are refused unhashed: no account can have one (the header is bounded too, by maxHeaderBytes). */
export const MAX_PASSWORD_BYTES = 1024;
// StarRocks' user names are at most 64 characters (FeNameFormat): a longer one names no account.
const MAX_USER_CHARS = 64;

const NO_CREDENTIALS = 'Missing or wrong credentials: send "Authorization: Bearer <token>" with the token in <home>/server-token, or "Authorization: Basic base64(user:password)" with a user\'s password';
const MALFORMED_BASIC = 'Malformed "Authorization: Basic" header: expected the base64 of user:password';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** The client address as an account's host pattern is matched against it (as the MySQL door does). */
export function clientHostOf(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export async function authenticateHttp(header: string | undefined, clientHost: string, token: string, accounts: AccountStore): Promise<HttpAuth> {
  // Whatever follows the Basic scheme is its credentials: anything but strict base64 of user:password is malformed.
  const basic = /^Basic(?:\s+|$)(.*)$/is.exec(header ?? '');
  if (basic) return authenticateBasic(basic[1]!.trim(), clientHost, accounts);
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  return timingSafeEqual(sha256(given), sha256(token)) ? { ok: true, user: undefined } : { ok: false, message: NO_CREDENTIALS };
}

async function authenticateBasic(encoded: string, clientHost: string, accounts: AccountStore): Promise<HttpAuth> {
  const credentials = decodeBasic(encoded);
  if (!credentials) return { ok: false, message: MALFORMED_BASIC };
  const { user, password } = credentials;
  const denied: HttpAuth = { ok: false, message: accessDenied(user, clientHost, password !== '') };
  if (user.length > MAX_USER_CHARS || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return denied;
  const account = await accounts.match(user, clientHost);
  // An unknown user still costs a hash, as a known one does: the answer's time does not tell them apart.
  const matches = passwordMatchesHash(password, account?.passwordHash ?? UNKNOWN_ACCOUNT);
  return account && matches ? { ok: true, user: { name: account.user, host: account.host } } : denied;
}

// No password hashes to this (it is not 40 hex digits of a SHA1 output that anyone knows the preimage of).
const UNKNOWN_ACCOUNT = `*${'0'.repeat(40)}`;

/** user:password from the base64 of RFC 7617; undefined unless it is strict base64 of UTF-8 with a colon. */
function decodeBasic(encoded: string): { user: string; password: string } | undefined {
  if (encoded === '' || encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** StarRocks' ERR_ACCESS_DENIED_ERROR (fe-core common/ErrorCode.java): the same for a wrong user or password. */
function accessDenied(user: string, host: string, usingPassword: boolean): string {
  return `Access denied for user '${user.slice(0, MAX_USER_CHARS)}'@'${host}' (using password: ${usingPassword ? 'YES' : 'NO'})`;
}
