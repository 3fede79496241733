import { fail, field, rule } from '../domain/field-checks.ts';
import { checkName } from '../domain/names.ts';
import type { SnapshotAccounts, SnapshotGrant } from '../domain/snapshot-accounts.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { BUILT_IN_ROLES } from './built-in-roles.ts';
import { checkedNativeHash } from './password-hash.ts';
import { bindsPrincipal, parseBindingArn } from './iam-principal.ts';
import { ALL, type ObjectTypeName, PRIVILEGES_OF, type PrivilegeName } from './privilege-types.ts';
import { ANY_HOST, ROOT_USER, checkIdentity, identityText, semanticError } from './user-identity.ts';

/**
 * The account rules a snapshot of users must obey on top of its shape (lib/domain/snapshot-accounts.ts),
 * as strictly as the statements that made them: user identities (AuthenticationAnalyzer), role names
 * (FeNameFormat.checkRoleName), password hashes (MysqlPassword.checkPassword), and each grant's privileges
 * against its object type (DefaultAuthorizationProvider). root and the built-in roles are never in one.
 * A breach throws a SnapshotFieldError naming the field, which readers report as an invalid snapshot.
 */

// fe-core sql/analyzer/FeNameFormat.COMMON_NAME_REGEX, which checkRoleName applies ("invalid role format: r").
const ROLE_NAME = /^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$/;

export function checkRoleName(name: string): string {
  if (!ROLE_NAME.test(name)) throw semanticError(`invalid role format: ${name}`);
  return name;
}

/** Which fields a grant's object has, per type (GrantEntry): the rest must be absent. */
const OBJECT_FIELDS: Record<ObjectTypeName, readonly ('catalog' | 'db' | 'name' | 'user')[]> = {
  SYSTEM: [], CATALOG: ['catalog'], DATABASE: ['db'], TABLE: ['db', 'name'], VIEW: ['db', 'name'], 'MATERIALIZED VIEW': ['db', 'name'],
  FUNCTION: ['db', 'name'], 'GLOBAL FUNCTION': ['name'], USER: ['user'],
};
const KIND: Record<string, string> = { catalog: 'Catalog', db: 'Database', name: 'Object' };

function checkGrant(g: SnapshotGrant, at: string): void {
  if (!Object.hasOwn(PRIVILEGES_OF, g.type)) fail(field(at, 'type'), `unknown object type '${g.type}'`);
  const type = g.type as ObjectTypeName;
  if (g.privileges.length === 0) fail(field(at, 'privileges'), 'no privilege');
  g.privileges.forEach((p, i) => {
    if (!PRIVILEGES_OF[type].includes(p as PrivilegeName)) fail(`${field(at, 'privileges')}[${i}]`, `'${p}' is not a privilege of ${type}`);
  });
  const wanted = OBJECT_FIELDS[type];
  for (const [k, v] of Object.entries(g.object) as [string, string][]) {
    const at2 = field(field(at, 'object'), k);
    if (!wanted.includes(k as 'db')) fail(at2, `unexpected field in a grant on ${type}`);
    if (v === ALL) continue;
    if (k === 'user') rule(at2, () => checkIdentity(parseIdentity(v)));
    else rule(at2, () => checkName(KIND[k]!, v));
  }
  for (const k of wanted) if (g.object[k] === undefined) fail(field(field(at, 'object'), k), 'missing');
}

/** `'u'@'host'` as identityText writes it. */
export function parseIdentity(text: string): { user: string; host: string } {
  const m = /^'([^']*)'@'([^']*)'$/.exec(text);
  if (!m) throw semanticError(`invalid user identity: ${text}`);
  return { user: m[1]!, host: m[2]! };
}

function checkRoles(names: string[], at: string): void {
  names.forEach((r, i) => rule(`${at}[${i}]`, () => checkRoleName(r)));
}

export function checkSnapshotAccounts(a: SnapshotAccounts, at = '__meta accounts'): SnapshotAccounts {
  const seen = new Set<string>();
  a.users.forEach((u, i) => {
    const uat = `${at}.users[${i}]`;
    rule(uat, () => checkIdentity(u));
    if (u.user === ROOT_USER && u.host === ANY_HOST) fail(uat, "'root'@'%' is never backed up or restored");
    const id = identityText(u);
    if (seen.has(id)) fail(uat, `${id} appears more than once`);
    seen.add(id);
    rule(`${uat}.passwordHash`, () => {
      if (checkedNativeHash(u.passwordHash) !== u.passwordHash) throw semanticError('Password hash should be upper-case hex');
    });
    if (u.iamPrincipal !== undefined && u.passwordHash !== '') fail(`${uat}.iamPrincipal`, 'an IAM-bound account has no password hash');
    if (u.iamPrincipal !== undefined) {
      const arn = u.iamPrincipal;
      rule(`${uat}.iamPrincipal`, () => parseBindingArn(arn));
      const other = a.users.findIndex((v, j) => j < i && v.iamPrincipal !== undefined && bindsPrincipal(v.iamPrincipal, parseBindingArn(arn)));
      if (other >= 0) fail(`${uat}.iamPrincipal`, `${arn} is also bound to ${identityText(a.users[other]!)}`);
    }
    u.grants.forEach((g, j) => checkGrant(g, `${uat}.grants[${j}]`));
    checkRoles(u.roles, `${uat}.roles`);
    checkRoles(u.defaultRoles, `${uat}.defaultRoles`);
    u.defaultRoles.forEach((r, j) => { if (!u.roles.includes(r)) fail(`${uat}.defaultRoles[${j}]`, `role ${r} is not granted to ${id}`); });
  });
  const names = new Set<string>();
  a.roles.forEach((r, i) => {
    const rat = `${at}.roles[${i}]`;
    rule(`${rat}.name`, () => checkRoleName(r.name));
    if (BUILT_IN_ROLES.includes(r.name)) fail(`${rat}.name`, `built-in role ${r.name} is never backed up or restored`);
    if (names.has(r.name)) fail(`${rat}.name`, `role ${r.name} appears more than once`);
    names.add(r.name);
    r.grants.forEach((g, j) => checkGrant(g, `${rat}.grants[${j}]`));
    checkRoles(r.roles, `${rat}.roles`);
  });
  checkNoCycle(a, at);
  return a;
}

/** StarRocks refuses a role granted to itself through other roles; a snapshot may not hold one either. */
function checkNoCycle(a: SnapshotAccounts, at: string): void {
  const inner = new Map(a.roles.map((r) => [r.name, r.roles]));
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') fail(`${at}.roles`, `role ${name} is granted to itself through ${path.join(' -> ')}`);
    state.set(name, 'open');
    for (const r of inner.get(name) ?? []) visit(r, [...path, r]);
    state.set(name, 'done');
  };
  for (const r of a.roles) visit(r.name, [r.name]);
}

/** `__info`'s lists of a snapshot of users: identities and role names, as the metadata has them. */
export function checkInfoAccounts(info: SnapshotInfo): void {
  (info.users ?? []).forEach((u, i) => rule(`__info users[${i}]`, () => checkIdentity(parseIdentity(u))));
  (info.roles ?? []).forEach((r, i) => rule(`__info roles[${i}]`, () => checkRoleName(r)));
}
