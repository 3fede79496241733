import { ALL, type GrantEntry, type ObjectTypeName, PRIVILEGES_OF, type PrivilegeName } from './privilege-types.ts';

/**
 * StarRocks' built-in roles and what they hold (fe-core authorization/AuthorizationMgr.initBuiltinRolesAndUsers,
 * PrivilegeBuiltinConstants). All but `public` are immutable: nothing can be granted to or revoked from them.
 */
export const BuiltInRole = {
  ROOT: 'root',
  DB_ADMIN: 'db_admin',
  CLUSTER_ADMIN: 'cluster_admin',
  USER_ADMIN: 'user_admin',
  PUBLIC: 'public',
} as const;

export const BUILT_IN_ROLES: readonly string[] = Object.values(BuiltInRole);
export const IMMUTABLE_ROLES: readonly string[] = [BuiltInRole.ROOT, BuiltInRole.DB_ADMIN, BuiltInRole.CLUSTER_ADMIN, BuiltInRole.USER_ADMIN];

/** StarRocks' comments, shown by SHOW ROLES. */
export const BUILT_IN_COMMENTS: Readonly<Record<string, string>> = {
  root: 'built-in root role which has all privileges on all objects',
  db_admin: 'built-in database administration role',
  cluster_admin: 'built-in cluster administration role',
  user_admin: 'built-in user administration role',
  public: 'built-in public role which is owned by any user',
};

const everything = (type: ObjectTypeName): GrantEntry => ({ type, privileges: [...PRIVILEGES_OF[type]], object: allObjectsOf(type), grantOption: false });
const onSystem = (privileges: PrivilegeName[]): GrantEntry => ({ type: 'SYSTEM', privileges, object: {}, grantOption: false });

/** The object of `ALL <type>s [IN ALL DATABASES]`. */
export function allObjectsOf(type: ObjectTypeName): GrantEntry['object'] {
  switch (type) {
    case 'SYSTEM': return {};
    case 'CATALOG': return { catalog: ALL };
    case 'DATABASE': return { db: ALL };
    case 'GLOBAL FUNCTION': return { name: ALL };
    case 'USER': return { user: ALL };
    default: return { db: ALL, name: ALL };
  }
}

const DATA_TYPES: ObjectTypeName[] = ['CATALOG', 'DATABASE', 'TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FUNCTION', 'GLOBAL FUNCTION'];

/** The grants of each built-in role as a new cluster has them. */
export const BUILT_IN_GRANTS: Readonly<Record<string, readonly GrantEntry[]>> = {
  root: (Object.keys(PRIVILEGES_OF) as ObjectTypeName[]).map(everything),
  db_admin: [
    onSystem([
      'CREATE RESOURCE', 'PLUGIN', 'FILE', 'BLACKLIST', 'OPERATE', 'CREATE EXTERNAL CATALOG', 'REPOSITORY',
      'CREATE RESOURCE GROUP', 'CREATE GLOBAL FUNCTION', 'CREATE STORAGE VOLUME',
    ]),
    ...DATA_TYPES.map(everything),
  ],
  cluster_admin: [onSystem(['NODE', 'CREATE WAREHOUSE'])],
  user_admin: [onSystem(['GRANT']), everything('USER')],
  public: [{ type: 'TABLE', privileges: ['SELECT'], object: { db: 'information_schema', name: ALL }, grantOption: false }],
};
