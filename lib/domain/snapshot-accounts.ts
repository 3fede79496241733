import { type Check, distinctList, fail, flag, list, matching, shape, text } from './field-checks.ts';

/*
 * The users, roles and grants of a `BACKUP ALL USERS` snapshot (starbackup's own: StarRocks cannot back
 * up accounts). Only a password's mysql_native_password hash travels, never a password. This file holds the
 * format's shape and its sizes; the account rules (user and role names, hashes, privileges of each object
 * type) belong to lib/access, which checks them on top (lib/access/account-snapshot-rules.ts).
 */

/** A grant as lib/access keeps it (GrantEntry): privileges on the objects of one type, `*` for all. */
export interface SnapshotGrant {
  type: string;
  privileges: string[];
  object: { catalog?: string; db?: string; name?: string; user?: string };
  grantOption: boolean;
}

export interface SnapshotUser {
  user: string;
  host: string;
  /** `*` + 40 upper hex digits, or '' (no password, or an IAM-bound account). */
  passwordHash: string;
  /** The IAM principal the account is bound to, if it authenticates by IAM. */
  iamPrincipal?: string;
  grants: SnapshotGrant[];
  roles: string[];
  defaultRoles: string[];
}

export interface SnapshotRole {
  name: string;
  comment?: string;
  grants: SnapshotGrant[];
  /** Roles granted to this role. */
  roles: string[];
}

export interface SnapshotAccounts {
  users: SnapshotUser[];
  roles: SnapshotRole[];
}

/** Caps far above a real cluster's, so a tampered snapshot cannot make a restore write without end. */
export const MAX_SNAPSHOT_USERS = 10_000;
export const MAX_SNAPSHOT_ROLES = 10_000;
export const MAX_GRANTS_PER_HOLDER = 10_000;
export const MAX_ROLES_PER_HOLDER = 1_000;
const MAX_TEXT = 2_048;

function bounded<T>(inner: Check<T[]>, max: number, what: string): Check<T[]> {
  return (v, at) => {
    if (Array.isArray(v) && v.length > max) fail(at, `${v.length} ${what}, more than the ${max} a snapshot may hold`);
    return inner(v, at);
  };
}

const shortText: Check<string> = (v, at) => (text(v, at).length <= MAX_TEXT ? (v as string) : fail(at, `longer than ${MAX_TEXT} characters`));
const privilege = matching(/^[A-Z][A-Z ]{0,39}$/, 'a privilege name such as SELECT');

const grant = shape<SnapshotGrant>({
  type: shortText,
  privileges: bounded(distinctList(privilege), 64, 'privileges'),
  object: shape<SnapshotGrant['object']>({}, { catalog: shortText, db: shortText, name: shortText, user: shortText }),
  grantOption: flag,
}, {});

const grants = bounded(list(grant), MAX_GRANTS_PER_HOLDER, 'grants');
const roleNames = bounded(distinctList(shortText), MAX_ROLES_PER_HOLDER, 'roles');

const user = shape<SnapshotUser>(
  { user: shortText, host: shortText, passwordHash: shortText, grants, roles: roleNames, defaultRoles: roleNames },
  { iamPrincipal: shortText },
);

const role = shape<SnapshotRole>({ name: shortText, grants, roles: roleNames }, { comment: shortText });

export const snapshotAccounts = shape<SnapshotAccounts>({
  users: bounded(list(user), MAX_SNAPSHOT_USERS, 'users'),
  roles: bounded(list(role), MAX_SNAPSHOT_ROLES, 'roles'),
}, {});
