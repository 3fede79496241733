import { accessDenied } from '../access/access-denied.ts';
import { GrantStore } from '../access/grant-store.ts';
import { PrivilegeSet } from '../access/privilege-set.ts';
import type { PrivilegeName, PrivilegeTarget } from '../access/privilege-types.ts';
import type { ServiceContext } from '../jobs/service-context.ts';
import type { Session } from './session.ts';

/** The session's privileges, read fresh (a GRANT takes effect at the next statement). No user: the home's owner. */
export async function privilegesOf(ctx: ServiceContext, session: Session): Promise<PrivilegeSet> {
  if (!session.user) return PrivilegeSet.owner();
  return PrivilegeSet.load(new GrantStore(ctx.catalog.table), { user: session.user.name, host: session.user.host }, session.roles);
}

/** Throws StarRocks' access-denied error unless the session holds one of `privileges` on `target`. */
export async function requirePrivilege(
  ctx: ServiceContext,
  session: Session,
  privileges: PrivilegeName | readonly PrivilegeName[],
  target: PrivilegeTarget,
  set?: PrivilegeSet,
): Promise<PrivilegeSet> {
  const privs = set ?? (await privilegesOf(ctx, session));
  const wanted = typeof privileges === 'string' ? [privileges] : privileges;
  if (!wanted.some((p) => privs.has(p, target))) throw accessDenied(privs, wanted.join(' OR '), target);
  return privs;
}
