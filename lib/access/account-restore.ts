import type { AccountRestoreReport } from '../domain/control-types.ts';
import type { SnapshotAccounts, SnapshotRole, SnapshotUser } from '../domain/snapshot-accounts.ts';
import type { RecordTable } from '../ports/record-table.ts';
import { type AccountRecord, AccountStore } from './account-store.ts';
import { BuiltInRole } from './built-in-roles.ts';
import { GrantStore, type RoleRecord, type UserGrants } from './grant-store.ts';
import type { GrantEntry } from './privilege-types.ts';
import { bindsPrincipal, parseBindingArn } from './iam-principal.ts';
import { identityText } from './user-identity.ts';

/**
 * `RESTORE … ALL USERS` never weakens a password or widens a grant: a user or role that exists is left
 * exactly as it is (kept, and said so), and only missing ones are created, with the snapshot's hash or IAM
 * binding, grants and roles. A role grant naming a role that is neither here nor in the snapshot is dropped
 * (and said so). Grants on objects are kept by name, whether or not the object exists here yet.
 */
export interface AccountRestorePlan {
  roles: SnapshotRole[];
  users: SnapshotUser[];
}

/** What SHOW RESTORE may list of kept and dropped items: ample for a listing, small beside 400 KB. */
const SHOWN_CHARS = 16 * 1024;

/** RESTORE SNAPSHOTING: what to create, and what the restore keeps or drops, against the accounts here now. */
export async function planAccountRestore(
  table: RecordTable,
  snap: SnapshotAccounts,
  /** Whether the restoring user is root: only root hands out `root` and `cluster_admin`, by GRANT or by a restore. */
  byRoot: boolean,
): Promise<{ plan: AccountRestorePlan; report: AccountRestoreReport }> {
  const here = await new GrantStore(table).snapshot();
  const existingRoles = new Set(here.roles().map((r) => r.name));
  const hereAccounts = await new AccountStore(table).list();
  const existingUsers = new Set(hereAccounts.map(identityText));
  // A principal already bound here stays with its user: a second binding would make the API refuse it.
  const boundHere = (arn: string) => hereAccounts.find((a) => bindsPrincipal(a.iamPrincipal, parseBindingArn(arn)));
  const kept: string[] = [];
  const dropped: string[] = [];
  const known = new Set([...existingRoles, ...snap.roles.map((r) => r.name)]);
  const rootOnly = (r: string) => !byRoot && (r === BuiltInRole.ROOT || r === BuiltInRole.CLUSTER_ADMIN);
  const grantable = (roles: string[], to: string) => roles.filter((r) => {
    if (rootOnly(r)) return dropped.push(`ROLE ${r} TO ${to} (only root grants it)`), false;
    return known.has(r) || (dropped.push(`ROLE ${r} TO ${to}`), false);
  });
  const roles: SnapshotRole[] = [];
  for (const r of snap.roles) {
    if (existingRoles.has(r.name)) kept.push(`ROLE ${r.name}`);
    else roles.push({ ...r, roles: grantable(r.roles, `ROLE ${r.name}`) });
  }
  const users: SnapshotUser[] = [];
  for (const u of snap.users) {
    const id = identityText(u);
    if (existingUsers.has(id)) {
      kept.push(id);
      continue;
    }
    const holder = u.iamPrincipal === undefined ? undefined : boundHere(u.iamPrincipal);
    if (holder) {
      dropped.push(`${id} (IAM principal ${u.iamPrincipal} is bound to ${identityText(holder)} here)`);
      continue;
    }
    const held = grantable(u.roles, id);
    users.push({ ...u, roles: held, defaultRoles: u.defaultRoles.filter((r) => held.includes(r)) });
  }
  return { plan: { roles, users }, report: reportOf(kept, dropped) };
}

/** The report's lists, cut to SHOWN_CHARS; `more` counts what was cut. */
export function reportOf(kept: string[], dropped: string[], more = 0): AccountRestoreReport {
  let budget = SHOWN_CHARS;
  let cut = more;
  const fit = (items: string[]) => items.filter((x) => (budget >= x.length ? ((budget -= x.length + 2), true) : (cut++, false)));
  const out: AccountRestoreReport = { kept: fit(kept), dropped: fit(dropped) };
  return cut ? { ...out, more: cut } : out;
}

/** The mark a restore leaves on what it created, so a re-run of COMMITTING finishes its own and keeps others'. */
type Marked = { restoredBy?: string };

/**
 * RESTORE COMMITTING: creates the planned roles, then the users, each with its grants. Something created
 * meanwhile by someone else is kept as it is; the names of those are returned. Safe to re-run.
 */
export async function applyAccountRestore(table: RecordTable, plan: AccountRestorePlan, jobId: string): Promise<string[]> {
  const grants = new GrantStore(table);
  const accounts = new AccountStore(table);
  const keptNow: string[] = [];
  for (const r of plan.roles) {
    const set = (cur: RoleRecord): RoleRecord => {
      const next: RoleRecord & Marked = { ...cur, grants: r.grants as GrantEntry[], roles: r.roles, restoredBy: jobId };
      return next;
    };
    if (await grants.createRole(r.name, r.comment)) await grants.updateRole(r.name, set);
    else if (((await grants.getRole(r.name)) as (RoleRecord & Marked) | undefined)?.restoredBy === jobId) await grants.updateRole(r.name, set);
    else keptNow.push(`ROLE ${r.name}`);
  }
  for (const u of plan.users) {
    const id = { user: u.user, host: u.host };
    // The mark is in the account record itself, written with it in one conditional put.
    const account: AccountRecord & Marked = { ...id, passwordHash: u.passwordHash, ...(u.iamPrincipal === undefined ? {} : { iamPrincipal: u.iamPrincipal }), restoredBy: jobId };
    const held: UserGrants = { grants: u.grants as GrantEntry[], roles: u.roles, defaultRoles: u.defaultRoles };
    if (await accounts.create(account) || ((await accounts.get(id)) as (AccountRecord & Marked) | undefined)?.restoredBy === jobId) {
      await grants.updateUser(id, () => structuredClone(held));
    } else {
      keptNow.push(identityText(id));
    }
  }
  return keptNow;
}
