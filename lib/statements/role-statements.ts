import { BUILT_IN_ROLES, IMMUTABLE_ROLES } from '../access/built-in-roles.ts';
import { GrantStore, type RoleRecord } from '../access/grant-store.ts';
import { ANY_HOST, ROOT_USER, type UserIdentity, identityText, semanticError } from '../access/user-identity.ts';
import { AnalysisError } from '../domain/errors.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { StatementOf } from '../sql/ast.ts';
import { checkGrantee, requireGrantOnSystem } from './grant-statements.ts';
import { type ResultSet, columns, ok } from './result-set.ts';
import type { Session } from './session.ts';

/**
 * CREATE/ALTER/DROP ROLE, SHOW ROLES, SET ROLE and SET DEFAULT ROLE with StarRocks' checks and messages:
 * fe-core sql/analyzer/AuthorizationAnalyzer (existence), AuthorizerStmtVisitor (GRANT on SYSTEM, except for
 * SET ROLE and one's own default roles), authorization/AuthorizationMgr (built-in roles), qe/SetRoleExecutor.
 */
const storeOf = (ctx: ServiceContext) => new GrantStore(ctx.catalog.table);

export async function createRole(ctx: ServiceContext, s: StatementOf<'CreateRole'>, session: Session): Promise<ResultSet> {
  const store = storeOf(ctx);
  for (const role of s.roles) {
    if (!s.ifNotExists && (await store.getRole(role))) throw semanticError(`Operation CREATE ROLE failed for ${role} : role already exists`);
  }
  await requireGrantOnSystem(ctx, session);
  for (const role of s.roles) await store.createRole(role, s.comment);
  return ok();
}

export async function alterRole(ctx: ServiceContext, s: StatementOf<'AlterRole'>, session: Session): Promise<ResultSet> {
  await requireGrantOnSystem(ctx, session);
  const store = storeOf(ctx);
  const roles: string[] = [];
  for (const role of s.roles) {
    if (!(await store.getRole(role))) {
      if (s.ifExists) continue;
      throw new AnalysisError(`${role} doesn't exist`);
    }
    if (IMMUTABLE_ROLES.includes(role)) throw new AnalysisError(`${role} is immutable`);
    roles.push(role);
  }
  for (const role of roles) await store.updateRole(role, (r) => ({ ...r, comment: s.comment }));
  return ok();
}

/** A dropped role leaves every user and role that held it, so a new role of the same name is not theirs. */
export async function dropRole(ctx: ServiceContext, s: StatementOf<'DropRole'>, session: Session): Promise<ResultSet> {
  const store = storeOf(ctx);
  for (const role of s.roles) {
    if (!s.ifExists && !(await store.getRole(role))) throw semanticError(`Operation DROP ROLE failed for ${role} : role not exists`);
  }
  await requireGrantOnSystem(ctx, session);
  for (const role of s.roles) if (BUILT_IN_ROLES.includes(role)) throw new AnalysisError(`role ${role} cannot be dropped!`);
  for (const role of s.roles) {
    if (!(await store.dropRole(role))) continue;
    const holders = (await store.snapshot()).holdersOf(role);
    const without = <C extends { roles: string[] }>(c: C) => ({ ...c, roles: c.roles.filter((r) => r !== role) });
    for (const key of holders.users) {
      const at = key.indexOf('@');
      await store.updateUser({ user: key.slice(0, at), host: key.slice(at + 1) }, (g) => ({ ...without(g), defaultRoles: g.defaultRoles.filter((r) => r !== role) }));
    }
    for (const name of holders.roles) if (!IMMUTABLE_ROLES.includes(name)) await store.updateRole(name, without);
  }
  return ok();
}

/** SHOW ROLES: StarRocks' Name, Builtin, Comment; built-in roles first, then by name. */
const ROLES = columns<RoleRecord>([
  ['Name', (r) => r.name],
  ['Builtin', (r) => BUILT_IN_ROLES.includes(r.name)],
  ['Comment', (r) => r.comment || null],
]);

export async function showRoles(ctx: ServiceContext, _s: StatementOf<'ShowRoles'>, session: Session): Promise<ResultSet> {
  await requireGrantOnSystem(ctx, session);
  const roles = (await storeOf(ctx).snapshot()).roles();
  const rank = (r: RoleRecord) => (BUILT_IN_ROLES.includes(r.name) ? BUILT_IN_ROLES.indexOf(r.name) : BUILT_IN_ROLES.length);
  return ROLES.of(roles.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

/** The connected user; the home's owner is root. */
export function sessionIdentity(session: Session): UserIdentity {
  return session.user ? { user: session.user.name, host: session.user.host } : { user: ROOT_USER, host: ANY_HOST };
}

/** SET ROLE: the roles this session uses, each one the user holds (SetRoleExecutor); DEFAULT goes back to the default roles. */
export async function setRole(ctx: ServiceContext, s: StatementOf<'SetRole'>, session: Session): Promise<ResultSet> {
  const store = storeOf(ctx);
  for (const role of s.roles) if (!(await store.getRole(role))) throw semanticError(`Cannot set role: cannot find role ${role}!`);
  const me = sessionIdentity(session);
  const held = (await store.getUser(me)).roles;
  for (const role of s.roles) {
    if (!held.includes(role)) throw new AnalysisError(`Role ${role} is not granted to ${identityText(me)}`);
  }
  if (s.mode === 'DEFAULT') delete session.roles;
  else session.roles = s.mode === 'NONE' ? [] : s.mode === 'ALL' ? held.filter((r) => !s.roles.includes(r)) : [...s.roles];
  return ok();
}

/** SET DEFAULT ROLE and ALTER USER … DEFAULT ROLE: one's own freely, another's with GRANT on SYSTEM. */
export async function setDefaultRole(ctx: ServiceContext, s: StatementOf<'SetDefaultRole'>, session: Session): Promise<ResultSet> {
  await checkGrantee(ctx, { user: s.user }, '');
  const store = storeOf(ctx);
  const held = (await store.getUser(s.user)).roles;
  for (const role of s.roles) {
    if (!(await store.getRole(role))) throw semanticError(`Cannot set role: cannot find role ${role}!`);
    if (!held.includes(role)) throw semanticError(`Role ${role} is not granted to ${identityText(s.user)}`);
  }
  const me = sessionIdentity(session);
  if (me.user !== s.user.user || me.host !== s.user.host) await requireGrantOnSystem(ctx, session);
  const defaults = s.mode === 'NONE' ? [] : s.mode === 'ALL' ? held : [...s.roles];
  await store.updateUser(s.user, (g) => ({ ...g, defaultRoles: defaults }));
  return ok();
}

/** CREATE USER … DEFAULT ROLE: each role must exist (AuthenticationAnalyzer.visitCreateUserStatement). */
export async function checkDefaultRoles(ctx: ServiceContext, roles: readonly string[]): Promise<void> {
  const store = storeOf(ctx);
  for (const role of roles) if (!(await store.getRole(role))) throw semanticError(`Valid role name fail: cannot find role ${role}!`);
}

/** …and the new user holds them, as its default roles (AuthorizationMgr.onCreateUser). */
export async function grantDefaultRoles(ctx: ServiceContext, user: UserIdentity, roles: readonly string[]): Promise<void> {
  if (roles.length === 0) return;
  await storeOf(ctx).updateUser(user, (g) => ({ ...g, roles: [...new Set([...g.roles, ...roles])], defaultRoles: [...new Set(roles)] }));
}
