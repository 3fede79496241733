import { AccountStore } from '../access/account-store.ts';
import { accessDenied } from '../access/access-denied.ts';
import { BuiltInRole, IMMUTABLE_ROLES } from '../access/built-in-roles.ts';
import { GrantStore, type PrivilegeCollection } from '../access/grant-store.ts';
import type { PrivilegeSet } from '../access/privilege-set.ts';
import { type GrantEntry, PRIVILEGES_OF } from '../access/privilege-types.ts';
import { ANY_HOST, ROOT_USER, identityText, semanticError } from '../access/user-identity.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { Grantee, StatementOf } from '../sql/ast.ts';
import { type ResolvedGrant, resolveGrant } from './grant-objects.ts';
import { privilegesOf } from './privileges.ts';
import { type ResultSet, ok } from './result-set.ts';
import type { Session } from './session.ts';

/**
 * GRANT and REVOKE of privileges and of roles, in StarRocks' order: the analyzer's checks (fe-core
 * sql/analyzer/AuthorizationAnalyzer), then the caller's right to grant (AuthorizerStmtVisitor
 * .visitGrantRevokePrivilegeStatement: GRANT on SYSTEM, else each privilege held WITH GRANT OPTION;
 * visitGrantRoleStatement / visitRevokeRoleStatement: GRANT on SYSTEM), then AuthorizationMgr's own refusals.
 * REVOKE of something not granted changes nothing and succeeds, as in StarRocks.
 */
const storeOf = (ctx: ServiceContext) => new GrantStore(ctx.catalog.table);

export async function grantPrivilege(ctx: ServiceContext, s: StatementOf<'GrantPrivilege'>, session: Session): Promise<ResultSet> {
  const grant = await checkedGrant(ctx, s, session);
  const entries = grant.objects.map((object): GrantEntry => ({ type: grant.type, privileges: grant.privileges, object, grantOption: s.withGrantOption }));
  await update(ctx, s.grantee, 'grant', (c) => ({ ...c, grants: entries.reduce(addGrant, c.grants) }));
  return ok();
}

export async function revokePrivilege(ctx: ServiceContext, s: StatementOf<'RevokePrivilege'>, session: Session): Promise<ResultSet> {
  const grant = await checkedGrant(ctx, s, session);
  await update(ctx, s.grantee, 'revoke', (c) => ({ ...c, grants: grant.objects.reduce((gs, o) => removeGrant(gs, grant, o), c.grants) }));
  return ok();
}

/** The analyzer's checks, then whether the caller may hand these privileges out. */
async function checkedGrant(ctx: ServiceContext, s: StatementOf<'GrantPrivilege' | 'RevokePrivilege'>, session: Session): Promise<ResolvedGrant> {
  await checkGrantee(ctx, s.grantee, 'Can not grant/revoke to role');
  const grant = await resolveGrant(ctx, session, s.on, s.privileges);
  const set = await privilegesOf(ctx, session);
  for (const object of grant.objects) {
    const wanted: GrantEntry = { type: grant.type, privileges: grant.privileges, object, grantOption: false };
    if (!set.canGrant(wanted)) throw accessDenied(set, 'GRANT', { type: 'SYSTEM' });
  }
  return grant;
}

export async function grantRole(ctx: ServiceContext, s: StatementOf<'GrantRole'>, session: Session): Promise<ResultSet> {
  await checkRoleGrant(ctx, s, session);
  const store = storeOf(ctx);
  for (const role of s.roles) {
    if (role === BuiltInRole.PUBLIC) throw new AnalysisError('failed to grant role: Granting role PUBLIC has no effect.  Every user and role has role PUBLIC implicitly granted.');
    // A role granted to a role it already (transitively) holds would make a circle.
    if ('role' in s.grantee && (await holdsRole(store, role, s.grantee.role))) {
      throw new AnalysisError(`failed to grant role: role ${s.grantee.role} is already a predecessor role of ${role}`);
    }
  }
  await update(ctx, s.grantee, 'grant role', (c) => ({ ...c, roles: [...c.roles, ...s.roles.filter((r) => !c.roles.includes(r))] }));
  return ok();
}

export async function revokeRole(ctx: ServiceContext, s: StatementOf<'RevokeRole'>, session: Session): Promise<ResultSet> {
  await checkRoleGrant(ctx, s, session);
  if ('user' in s.grantee && s.roles.includes(BuiltInRole.ROOT) && isRoot(s.grantee.user)) throw semanticError('Can not revoke root role from root user');
  if (s.roles.includes(BuiltInRole.PUBLIC)) throw new AnalysisError('failed to revoke role: Revoking role PUBLIC has no effect.  Every user and role has role PUBLIC implicitly granted.');
  await update(ctx, s.grantee, 'revoke role', (c) => {
    const roles = c.roles.filter((r) => !s.roles.includes(r));
    return 'defaultRoles' in c ? { ...c, roles, defaultRoles: (c.defaultRoles as string[]).filter((r) => roles.includes(r)) } : { ...c, roles };
  });
  return ok();
}

/** AuthorizationAnalyzer.visitGrantRevokeRoleStatement, then AuthorizerStmtVisitor's root-only roles and GRANT on SYSTEM. */
async function checkRoleGrant(ctx: ServiceContext, s: StatementOf<'GrantRole' | 'RevokeRole'>, session: Session): Promise<void> {
  await checkGrantee(ctx, s.grantee, 'Can not granted/revoke role to/from role');
  const store = storeOf(ctx);
  for (const role of s.roles) {
    if (!(await store.getRole(role))) throw semanticError(`Can not granted/revoke role to/from user: cannot find role ${role}!`);
  }
  checkRootOnlyRoles(session, s.roles);
  await requireGrantOnSystem(ctx, session);
}

/** Only root hands out `root` and `cluster_admin`: by GRANT, and by CREATE USER … DEFAULT ROLE (which grants them too). */
export function checkRootOnlyRoles(session: Session, roles: readonly string[]): void {
  const callerIsRoot = !session.user || isRoot({ user: session.user.name, host: session.user.host });
  if (!callerIsRoot && roles.some((r) => r === BuiltInRole.ROOT || r === BuiltInRole.CLUSTER_ADMIN)) {
    throw semanticError('Can not grant root or cluster_admin role except root user');
  }
}

/** GRANT on SYSTEM (the user_admin role), which every role and grant administration statement needs. */
export async function requireGrantOnSystem(ctx: ServiceContext, session: Session, set?: PrivilegeSet): Promise<void> {
  const privs = set ?? (await privilegesOf(ctx, session));
  if (!privs.has('GRANT', { type: 'SYSTEM' })) throw accessDenied(privs, 'GRANT', { type: 'SYSTEM' });
}

/** The user must exist (`cannot find user …!`), the role too (`<what>: cannot find role r!`). */
export async function checkGrantee(ctx: ServiceContext, grantee: Grantee, what: string): Promise<void> {
  if ('user' in grantee) {
    if (!(await new AccountStore(ctx.catalog.table).get(grantee.user))) throw semanticError(`cannot find user ${identityText(grantee.user)}!`);
  } else if (!(await storeOf(ctx).getRole(grantee.role))) {
    throw semanticError(`${what}: cannot find role ${grantee.role}!`);
  }
}

const isRoot = (u: { user: string; host: string }) => u.user === ROOT_USER && u.host === ANY_HOST;

/** Changes the grantee's collection; an immutable built-in role refuses (RolePrivilegeCollectionV2.assertMutable). */
async function update(ctx: ServiceContext, grantee: Grantee, verb: string, change: <C extends PrivilegeCollection>(c: C) => C): Promise<void> {
  const store = storeOf(ctx);
  if ('user' in grantee) return store.updateUser(grantee.user, change);
  if (IMMUTABLE_ROLES.includes(grantee.role)) throw new AnalysisError(`failed to ${verb}: role ${grantee.role} is not mutable!`);
  return store.updateRole(grantee.role, change);
}

/** Whether `role` holds `wanted`, itself included, through the roles granted to it. */
async function holdsRole(store: GrantStore, role: string, wanted: string): Promise<boolean> {
  const seen = new Set<string>();
  const visit = async (name: string): Promise<boolean> => {
    if (name === wanted) return true;
    if (seen.has(name)) return false;
    seen.add(name);
    for (const r of (await store.getRole(name))?.roles ?? []) if (await visit(r)) return true;
    return false;
  };
  return visit(role);
}

const sameObject = (a: GrantEntry['object'], b: GrantEntry['object']) =>
  a.catalog === b.catalog && a.db === b.db && a.name === b.name && a.user === b.user;
const ordered = (type: GrantEntry['type'], privileges: Iterable<string>) => {
  const set = new Set(privileges);
  return PRIVILEGES_OF[type].filter((p) => set.has(p));
};

/**
 * Adds a grant as PrivilegeCollectionV2.grant does: merged into the entry on the same object with the same
 * grant option; privileges granted WITH GRANT OPTION leave the entry without it.
 */
function addGrant(grants: GrantEntry[], g: GrantEntry): GrantEntry[] {
  const out = grants.map((e) => {
    if (e.type !== g.type || !sameObject(e.object, g.object)) return e;
    if (e.grantOption === g.grantOption) return { ...e, privileges: ordered(e.type, [...e.privileges, ...g.privileges]) };
    return g.grantOption ? { ...e, privileges: e.privileges.filter((p) => !g.privileges.includes(p)) } : e;
  }).filter((e) => e.privileges.length > 0);
  const merged = out.some((e) => e.type === g.type && e.grantOption === g.grantOption && sameObject(e.object, g.object));
  return merged ? out : [...out, { ...g, privileges: ordered(g.type, g.privileges) }];
}

function removeGrant(grants: GrantEntry[], grant: ResolvedGrant, object: GrantEntry['object']): GrantEntry[] {
  return grants
    .map((e) => (e.type === grant.type && sameObject(e.object, object) ? { ...e, privileges: e.privileges.filter((p) => !grant.privileges.includes(p)) } : e))
    .filter((e) => e.privileges.length > 0);
}
