import { InternalError } from '../domain/errors.ts';
import type { RecordKey, RecordTable } from '../ports/record-table.ts';
import { BUILT_IN_COMMENTS, BUILT_IN_GRANTS, BUILT_IN_ROLES, BuiltInRole, IMMUTABLE_ROLES } from './built-in-roles.ts';
import type { GrantEntry } from './privilege-types.ts';
import { ANY_HOST, ROOT_USER, type UserIdentity } from './user-identity.ts';

/** What a user or a role holds: grants on objects, and roles granted to it. */
export interface PrivilegeCollection {
  grants: GrantEntry[];
  roles: string[];
}

export interface UserGrants extends PrivilegeCollection {
  /** The roles a session of the user starts with (SET DEFAULT ROLE). */
  defaultRoles: string[];
}

export interface RoleRecord extends PrivilegeCollection {
  name: string;
  comment?: string;
}

/** Every user's and role's privileges, read in one query: a check needs the user and the role graph. */
export interface GrantSnapshot {
  user(id: UserIdentity): UserGrants;
  role(name: string): RoleRecord | undefined;
  roles(): RoleRecord[];
  /** The users (as `user@host` keys) holding a role directly. */
  holdersOf(role: string): { users: string[]; roles: string[] };
}

const PRIVS = 'PRIVS';
const userKey = (id: UserIdentity): RecordKey => ({ pk: PRIVS, sk: `USER:${id.user}@${id.host}` });
const roleKey = (name: string): RecordKey => ({ pk: PRIVS, sk: `ROLE:${name}` });
const isRoot = (id: UserIdentity) => id.user === ROOT_USER && id.host === ANY_HOST;

const emptyUser = (id: UserIdentity): UserGrants =>
  isRoot(id) ? { grants: [], roles: [BuiltInRole.ROOT], defaultRoles: [BuiltInRole.ROOT] } : { grants: [], roles: [], defaultRoles: [] };

function builtInRole(name: string): RoleRecord | undefined {
  if (!BUILT_IN_ROLES.includes(name)) return undefined;
  return { name, comment: BUILT_IN_COMMENTS[name] ?? '', grants: (BUILT_IN_GRANTS[name] ?? []).map((g) => structuredClone(g)), roles: [] };
}

/**
 * Grants, roles and role memberships in the catalog's table under one partition key (`PRIVS`): a record
 * `USER:u@host` per user that holds anything and `ROLE:name` per role. Built-in roles need no record, except
 * `public` once something was granted to it; root holds the root role without one.
 */
export class GrantStore {
  constructor(private readonly table: RecordTable) {}

  async snapshot(): Promise<GrantSnapshot> {
    const users = new Map<string, UserGrants>();
    const roles = new Map<string, RoleRecord>();
    for (const name of BUILT_IN_ROLES) roles.set(name, builtInRole(name)!);
    for (const r of await this.table.query<UserGrants | RoleRecord>(PRIVS)) {
      if (r.key.sk.startsWith('USER:')) users.set(r.key.sk.slice(5), r.doc as UserGrants);
      else if (r.key.sk.startsWith('ROLE:')) roles.set(r.key.sk.slice(5), r.doc as RoleRecord);
    }
    return {
      user: (id) => structuredClone(users.get(`${id.user}@${id.host}`) ?? emptyUser(id)),
      role: (name) => structuredClone(roles.get(name)),
      roles: () => [...roles.values()].map((r) => structuredClone(r)),
      holdersOf: (role) => ({
        users: [...users.entries()].filter(([, g]) => g.roles.includes(role)).map(([k]) => k),
        roles: [...roles.values()].filter((r) => r.roles.includes(role)).map((r) => r.name),
      }),
    };
  }

  async getUser(id: UserIdentity): Promise<UserGrants> {
    return (await this.table.get<UserGrants>(userKey(id)))?.doc ?? emptyUser(id);
  }

  async getRole(name: string): Promise<RoleRecord | undefined> {
    return (await this.table.get<RoleRecord>(roleKey(name)))?.doc ?? builtInRole(name);
  }

  /** False when the role existed (built-ins always do). */
  async createRole(name: string, comment?: string): Promise<boolean> {
    if (BUILT_IN_ROLES.includes(name)) return false;
    let created = false;
    await this.table.update<RoleRecord>(roleKey(name), (doc) => {
      created = doc === undefined;
      return created ? { name, ...(comment === undefined ? {} : { comment }), grants: [], roles: [] } : undefined;
    });
    return created;
  }

  /** False when there was no such role. Built-ins are never dropped (the caller says so first). */
  async dropRole(name: string): Promise<boolean> {
    if (BUILT_IN_ROLES.includes(name) || !(await this.table.get(roleKey(name)))) return false;
    await this.table.delete(roleKey(name));
    return true;
  }

  /** Changes what a user holds; `change` may run more than once (optimistic concurrency). */
  async updateUser(id: UserIdentity, change: (g: UserGrants) => UserGrants): Promise<void> {
    await this.table.update<UserGrants>(userKey(id), (doc) => change(doc ?? emptyUser(id)));
  }

  /** Changes what a role holds. Immutable built-ins cannot change; the caller refuses with StarRocks' message first. */
  async updateRole(name: string, change: (r: RoleRecord) => RoleRecord): Promise<void> {
    if (IMMUTABLE_ROLES.includes(name)) throw new InternalError(`built-in role ${name} is immutable`);
    await this.table.update<RoleRecord>(roleKey(name), (doc) => {
      const current = doc ?? builtInRole(name);
      if (!current) throw new InternalError(`role ${name} does not exist`);
      return change(current);
    });
  }

  /** With DROP USER: what the user held goes with it. */
  async dropUser(id: UserIdentity): Promise<void> {
    await this.table.delete(userKey(id));
  }
}
