import { BuiltInRole } from './built-in-roles.ts';
import type { GrantSnapshot, GrantStore } from './grant-store.ts';
import { ALL, DEFAULT_CATALOG, type GrantEntry, type PrivilegeName, type PrivilegeTarget } from './privilege-types.ts';
import { type UserIdentity, identityText } from './user-identity.ts';

const matches = (granted: string | undefined, wanted: string | undefined) => granted === ALL || granted === wanted;

/** Whether a grant's object covers a target of the same type. */
function covers(g: GrantEntry, t: PrivilegeTarget): boolean {
  if (g.type !== t.type) return false;
  const o = g.object;
  switch (t.type) {
    case 'SYSTEM': return true;
    case 'CATALOG': return matches(o.catalog, t.catalog);
    case 'DATABASE': return matches(o.db, t.db);
    case 'GLOBAL FUNCTION': return matches(o.name, t.name);
    case 'USER': return matches(o.user, identityText(t.user));
    default: return matches(o.db, t.db) && matches(o.name, t.name);
  }
}

/** Whether grant `g` (held WITH GRANT OPTION) covers everything `wanted` would hand out. */
function coversGrant(g: GrantEntry, wanted: GrantEntry): boolean {
  if (g.type !== wanted.type) return false;
  const keys = ['catalog', 'db', 'name', 'user'] as const;
  return keys.every((k) => wanted.object[k] === undefined || g.object[k] === ALL || g.object[k] === wanted.object[k]);
}

/**
 * What one session may do: the user's own grants, those of its active roles and of the roles granted to
 * them (transitively), and `public`'s, which every user has (fe-core authorization/AuthorizationMgr
 * .mergePrivilegeCollection). Loaded once per statement, so a GRANT takes effect at the next statement.
 */
export class PrivilegeSet {
  private constructor(
    private readonly grants: readonly GrantEntry[],
    readonly activeRoles: readonly string[],
    readonly inactiveRoles: readonly string[],
    /** The home's owner, for whom nothing is checked. */
    readonly owner = false,
  ) {}

  /** The embedded CLI's caller: the owner of the home, root with every role. */
  static owner(): PrivilegeSet {
    return new PrivilegeSet([], [BuiltInRole.ROOT], [], true);
  }

  /**
   * A user's privileges with `activeRoles` active (undefined: the user's default roles). Roles the user no
   * longer holds are ignored, so a revoked role stops working at the next statement even if SET ROLE named it.
   */
  static async load(store: GrantStore | GrantSnapshot, user: UserIdentity, activeRoles?: readonly string[]): Promise<PrivilegeSet> {
    const snap = 'snapshot' in store ? await store.snapshot() : store;
    const held = snap.user(user);
    const active = (activeRoles ?? held.defaultRoles).filter((r) => held.roles.includes(r) && snap.role(r));
    const grants = [...held.grants];
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const role = snap.role(name);
      if (!role) return;
      grants.push(...role.grants);
      role.roles.forEach(visit);
    };
    [...active, BuiltInRole.PUBLIC].forEach(visit);
    return new PrivilegeSet(grants, active, held.roles.filter((r) => !active.includes(r)));
  }

  has(privilege: PrivilegeName, target: PrivilegeTarget): boolean {
    return this.owner || this.grants.some((g) => g.privileges.includes(privilege) && covers(g, target));
  }

  /** Any privilege at all on the object (StarRocks' checkAnyActionOn…). */
  hasAny(target: PrivilegeTarget): boolean {
    return this.owner || this.grants.some((g) => g.privileges.length > 0 && covers(g, target));
  }

  /** Any privilege on the database or on anything in it (checkAnyActionOnOrInDb: USE, SHOW DATABASES). */
  hasAnyInDatabase(db: string): boolean {
    if (this.owner) return true;
    return this.grants.some((g) => g.privileges.length > 0 && g.type !== 'SYSTEM' && g.type !== 'CATALOG' && g.type !== 'USER'
      && g.type !== 'GLOBAL FUNCTION' && matches(g.object.db, db));
  }

  /** Any privilege on the catalog or on anything in it (the default catalog holds every database). */
  hasAnyInCatalog(catalog: string): boolean {
    if (this.owner) return true;
    if (this.hasAny({ type: 'CATALOG', catalog })) return true;
    return catalog === DEFAULT_CATALOG && this.grants.some((g) => g.privileges.length > 0 && g.object.db !== undefined);
  }

  /**
   * Whether the session may hand `wanted` out (GRANT/REVOKE): GRANT on SYSTEM (user_admin) allows any grant;
   * otherwise each privilege must be held WITH GRANT OPTION on a covering object (PrivilegeCollectionV2.allowGrant).
   */
  canGrant(wanted: GrantEntry): boolean {
    if (this.has('GRANT', { type: 'SYSTEM' })) return true;
    const grantable = this.grants.filter((g) => g.grantOption && coversGrant(g, wanted));
    return wanted.privileges.every((p) => grantable.some((g) => g.privileges.includes(p)));
  }
}
