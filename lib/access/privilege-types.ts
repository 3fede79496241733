/**
 * StarRocks' privilege model (fe-core authorization/PrivilegeType.java, ObjectType.java and
 * DefaultAuthorizationProvider.typeToActionList): the object types privileges are granted on, and which
 * privileges each type takes. The object types starbackup has no objects of (resources, resource groups,
 * storage volumes, pipes, warehouses) are left out: a grant on them could never be checked.
 */
export const ObjectType = {
  SYSTEM: 'SYSTEM',
  CATALOG: 'CATALOG',
  DATABASE: 'DATABASE',
  TABLE: 'TABLE',
  VIEW: 'VIEW',
  MATERIALIZED_VIEW: 'MATERIALIZED VIEW',
  FUNCTION: 'FUNCTION',
  GLOBAL_FUNCTION: 'GLOBAL FUNCTION',
  USER: 'USER',
} as const;
export type ObjectTypeName = (typeof ObjectType)[keyof typeof ObjectType];

export type PrivilegeName =
  | 'GRANT' | 'NODE' | 'OPERATE' | 'DELETE' | 'DROP' | 'INSERT' | 'SELECT' | 'ALTER' | 'EXPORT' | 'UPDATE' | 'USAGE'
  | 'PLUGIN' | 'FILE' | 'BLACKLIST' | 'REPOSITORY' | 'REFRESH' | 'IMPERSONATE' | 'CREATE DATABASE' | 'CREATE TABLE'
  | 'CREATE VIEW' | 'CREATE FUNCTION' | 'CREATE GLOBAL FUNCTION' | 'CREATE MATERIALIZED VIEW' | 'CREATE RESOURCE'
  | 'CREATE RESOURCE GROUP' | 'CREATE EXTERNAL CATALOG' | 'CREATE STORAGE VOLUME' | 'CREATE PIPE' | 'CREATE WAREHOUSE'
  | 'SECURITY';

/** The privileges each object type takes, in StarRocks' order; `ALL` on a type expands to its list. */
export const PRIVILEGES_OF: Readonly<Record<ObjectTypeName, readonly PrivilegeName[]>> = {
  SYSTEM: [
    'GRANT', 'NODE', 'CREATE RESOURCE', 'PLUGIN', 'FILE', 'BLACKLIST', 'OPERATE', 'CREATE EXTERNAL CATALOG', 'REPOSITORY',
    'CREATE RESOURCE GROUP', 'CREATE GLOBAL FUNCTION', 'CREATE STORAGE VOLUME', 'CREATE WAREHOUSE', 'SECURITY',
  ],
  CATALOG: ['USAGE', 'CREATE DATABASE', 'DROP', 'ALTER'],
  DATABASE: ['CREATE TABLE', 'DROP', 'ALTER', 'CREATE VIEW', 'CREATE FUNCTION', 'CREATE MATERIALIZED VIEW', 'CREATE PIPE'],
  TABLE: ['DELETE', 'DROP', 'INSERT', 'SELECT', 'ALTER', 'EXPORT', 'UPDATE'],
  VIEW: ['SELECT', 'ALTER', 'DROP'],
  'MATERIALIZED VIEW': ['ALTER', 'REFRESH', 'DROP', 'SELECT'],
  FUNCTION: ['USAGE', 'DROP'],
  'GLOBAL FUNCTION': ['USAGE', 'DROP'],
  USER: ['IMPERSONATE'],
};

/** The one internal catalog's name; a target without a catalog is in it. */
export const DEFAULT_CATALOG = 'default_catalog';

/** What one check asks about. */
export type PrivilegeTarget =
  | { type: 'SYSTEM' }
  | { type: 'CATALOG'; catalog: string }
  | { type: 'DATABASE'; db: string }
  | { type: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW'; db: string; name: string }
  /** A database function by name: a grant covers every overload of it. */
  | { type: 'FUNCTION'; db: string; name: string }
  | { type: 'GLOBAL FUNCTION'; name: string }
  | { type: 'USER'; user: { user: string; host: string } };

/** `*` in a grant's object: every object of that level (`ALL TABLES IN ALL DATABASES`, `ALL CATALOGS`). */
export const ALL = '*';

/**
 * One grant as the catalog keeps it: privileges on the objects of one type that `object` names, each
 * field an exact name or `*`. SYSTEM grants have an empty object; USER grants name `'u'@'h'` text.
 */
export interface GrantEntry {
  type: ObjectTypeName;
  privileges: PrivilegeName[];
  object: { catalog?: string; db?: string; name?: string; user?: string };
  grantOption: boolean;
}

/** Whether `name` is a privilege StarRocks knows (any object type). */
export function isPrivilegeName(name: string): name is PrivilegeName {
  return Object.values(PRIVILEGES_OF).some((list) => list.includes(name as PrivilegeName));
}
