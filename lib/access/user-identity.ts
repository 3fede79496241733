import { AnalysisError } from '../domain/errors.ts';

/** A StarRocks user identity: a user name and the host pattern it may connect from. */
export interface UserIdentity {
  user: string;
  host: string;
}

/** The host a user identity has when none is written: any host. */
export const ANY_HOST = '%';
export const ROOT_USER = 'root';

/** `'u'@'h'`, as StarRocks shows a user identity (UserIdentity.toString) in SHOW USERS, CURRENT_USER() and messages. */
export function identityText(id: UserIdentity): string {
  return `'${id.user}'@'${id.host}'`;
}

/**
 * StarRocks' semantic errors reach a MySQL client as `Getting analyzing error. Detail message: …` (fe-core
 * sql/analyzer/SemanticException.getMessage) with the default code 1064.
 */
export function semanticError(detail: string): AnalysisError {
  return new AnalysisError(`Getting analyzing error. Detail message: ${detail}.`);
}

// fe-core sql/analyzer/FeNameFormat.MYSQL_USER_NAME_REGEX (Java's \w is ASCII).
const USER_NAME = /^[A-Za-z0-9_]{1,64}\/?[.A-Za-z0-9_-]{0,63}$/;
// Addresses and host names with MySQL's `%` and `_` wildcards; no quotes, spaces or control characters.
const HOST = /^[A-Za-z0-9.:%_-]{1,255}$/;

/** Checks a user identity as StarRocks' AuthenticationAnalyzer.analyzeUser does. */
export function checkIdentity(id: UserIdentity): void {
  if (id.user === '') throw semanticError('Does not support anonymous user');
  if (!USER_NAME.test(id.user) || id.user.length > 64) throw semanticError(`invalid user name: ${id.user}`);
  if (!HOST.test(id.host)) throw semanticError(`invalid host: ${id.host}: a host is an IP address or name, with % and _ as wildcards`);
}

/** Whether `pattern` (`%`, `192.168.%`, `10.0.0._`, an exact address) matches the client address, as MySQL's LIKE. */
export function hostMatches(pattern: string, clientHost: string): boolean {
  const source = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 'i').test(clientHost);
}

/**
 * The order accounts are tried in at login: an exact host, then a host pattern, then `%`; within a rank by
 * host, then user. StarRocks (authentication/AuthenticationMgr.UserAuthInfoTreeMap) ranks any host but `%`
 * first and then orders by host text, which would try `192.168.%` before `192.168.1.5`; here the exact
 * host wins, as in MySQL.
 */
export function compareForLogin(a: UserIdentity, b: UserIdentity): number {
  const rank = (h: string) => (h === ANY_HOST ? 3 : /[%_]/.test(h) ? 2 : 1);
  return rank(a.host) - rank(b.host) || cmp(a.host, b.host) || cmp(a.user, b.user);
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
