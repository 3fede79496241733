import type { SnapshotAccounts, SnapshotUser } from '../domain/snapshot-accounts.ts';
import type { RecordTable } from '../ports/record-table.ts';
import { AccountStore } from './account-store.ts';
import { BUILT_IN_ROLES } from './built-in-roles.ts';
import { GrantStore } from './grant-store.ts';
import { ANY_HOST, ROOT_USER, identityText } from './user-identity.ts';

/**
 * What `BACKUP ALL USERS` takes: every account but root ('root'@'%', never backed up or restored) with its
 * password hash (never a password) or IAM binding, its grants, roles and default roles; every role but the
 * built-in ones, with its grants and the roles granted to it. Grants are read in one query.
 */
export async function collectAccounts(table: RecordTable): Promise<SnapshotAccounts> {
  const grants = await new GrantStore(table).snapshot();
  const accounts = (await new AccountStore(table).list()).filter((a) => !(a.user === ROOT_USER && a.host === ANY_HOST));
  const users = accounts.map((a): SnapshotUser => {
    const held = grants.user(a);
    const binding = (a as { iamPrincipal?: string }).iamPrincipal;
    return {
      user: a.user, host: a.host, passwordHash: a.passwordHash, ...(binding === undefined ? {} : { iamPrincipal: binding }),
      grants: held.grants, roles: held.roles, defaultRoles: held.defaultRoles,
    };
  });
  const roles = grants.roles().filter((r) => !BUILT_IN_ROLES.includes(r.name)).sort((a, b) => cmp(a.name, b.name)).map((r) => ({
    name: r.name, ...(r.comment === undefined ? {} : { comment: r.comment }), grants: r.grants, roles: r.roles,
  }));
  return { users, roles };
}

/** `__info`'s lists: the users as `'u'@'host'` and the role names. */
export function accountNames(a: SnapshotAccounts): { users: string[]; roles: string[] } {
  return { users: a.users.map(identityText), roles: a.roles.map((r) => r.name) };
}

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
