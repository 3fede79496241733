import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAccountRestore, planAccountRestore } from '../../lib/access/account-restore.ts';
import { checkSnapshotAccounts } from '../../lib/access/account-snapshot-rules.ts';
import { AccountStore } from '../../lib/access/account-store.ts';
import { GrantStore } from '../../lib/access/grant-store.ts';
import type { SnapshotAccounts } from '../../lib/domain/snapshot-accounts.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/** Role names follow fe-core sql/analyzer/FeNameFormat.checkRoleName ("invalid role format: …"). */
const temp = useTempDirs('account-snapshot');
let c: TestCluster;
beforeAll(async () => { c = await openTestCluster(await temp.make()); });
afterAll(async () => c?.close());

const HASH = '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19';
const accounts = (): SnapshotAccounts => ({
  users: [{ user: 'u1', host: '%', passwordHash: HASH, grants: [{ type: 'TABLE', privileges: ['SELECT'], object: { db: 'd', name: '*' }, grantOption: false }], roles: ['r1'], defaultRoles: ['r1'] }],
  roles: [{ name: 'r1', grants: [{ type: 'SYSTEM', privileges: ['REPOSITORY'], object: {}, grantOption: false }], roles: [] }],
});
const broken = (change: (a: SnapshotAccounts) => void) => {
  const a = accounts();
  change(a);
  try {
    checkSnapshotAccounts(a);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('the account rules of a snapshot', () => {
  it('accepts what BACKUP ALL USERS writes', () => expect(broken(() => undefined)).toBe('accepted'));

  it('refuses bad names, hashes, privileges, objects and role cycles, naming the field', () => {
    const at = '__meta accounts';
    expect(broken((a) => { a.users[0]!.user = 'a b'; })).toBe(`${at}.users[0]: Getting analyzing error. Detail message: invalid user name: a b.`);
    expect(broken((a) => { a.roles[0]!.name = '1r'; a.users[0]!.roles = []; a.users[0]!.defaultRoles = []; })).toBe(`${at}.roles[0].name: Getting analyzing error. Detail message: invalid role format: 1r.`);
    expect(broken((a) => { a.users[0]!.passwordHash = HASH.toLowerCase(); })).toBe(`${at}.users[0].passwordHash: Getting analyzing error. Detail message: Password hash should be upper-case hex.`);
    expect(broken((a) => { a.users[0]!.grants[0]!.type = 'RESOURCE'; })).toBe(`${at}.users[0].grants[0].type: unknown object type 'RESOURCE'`);
    expect(broken((a) => { a.users[0]!.grants[0]!.object = { db: 'd' }; })).toBe(`${at}.users[0].grants[0].object.name: missing`);
    expect(broken((a) => { a.roles[0]!.grants[0]!.object = { db: 'd' }; })).toBe(`${at}.roles[0].grants[0].object.db: unexpected field in a grant on SYSTEM`);
    expect(broken((a) => { a.users[0]!.defaultRoles = ['r2']; })).toBe(`${at}.users[0].defaultRoles[0]: role r2 is not granted to 'u1'@'%'`);
    expect(broken((a) => { a.roles.push({ name: 'db_admin', grants: [], roles: [] }); })).toBe(`${at}.roles[1].name: built-in role db_admin is never backed up or restored`);
    expect(broken((a) => { a.roles.push({ name: 'r2', grants: [], roles: ['r1'] }); a.roles[0]!.roles = ['r2']; })).toBe(`${at}.roles: role r1 is granted to itself through r1 -> r2 -> r1`);
  });

  it('refuses an IAM binding that is not an IAM user or role ARN, or binds one principal twice', () => {
    const at = '__meta accounts';
    const bind = (a: SnapshotAccounts, arn: string) => { a.users[0]!.passwordHash = ''; a.users[0]!.iamPrincipal = arn; };
    expect(broken((a) => bind(a, 'arn:aws:iam::123456789012:role/Ops'))).toBe('accepted');
    const wildcard = broken((a) => bind(a, 'arn:aws:iam::*:role/Ops'));
    expect(wildcard.startsWith(`${at}.users[0].iamPrincipal: `) && wildcard.includes('arn:aws:iam::*:role/Ops')).toBe(true);
    expect(broken((a) => {
      bind(a, 'arn:aws:iam::123456789012:role/Ops');
      a.users.push({ user: 'u2', host: '%', passwordHash: '', iamPrincipal: 'arn:aws:iam::123456789012:role/Ops', grants: [], roles: [], defaultRoles: [] });
    })).toBe(`${at}.users[1].iamPrincipal: arn:aws:iam::123456789012:role/Ops is also bound to 'u1'@'%'`);
  });
});

describe('applying a restore of users', () => {
  it('is safe to run twice (a re-run of COMMITTING), and keeps what another job or user created', async () => {
    const table = c.ctx.catalog.table;
    const { plan, report } = await planAccountRestore(table, accounts(), true);
    expect(report).toEqual({ kept: [], dropped: [] });
    expect(await applyAccountRestore(table, plan, 'job-1')).toEqual([]);
    expect(await applyAccountRestore(table, plan, 'job-1')).toEqual([]);
    expect(await new GrantStore(table).getUser({ user: 'u1', host: '%' })).toMatchObject({ roles: ['r1'], defaultRoles: ['r1'] });
    expect((await new AccountStore(table).get({ user: 'u1', host: '%' }))?.passwordHash).toBe(HASH);
    expect(await applyAccountRestore(table, plan, 'job-2')).toEqual(['ROLE r1', "'u1'@'%'"]);
    expect((await planAccountRestore(table, accounts(), true)).report).toEqual({ kept: ['ROLE r1', "'u1'@'%'"], dropped: [] });
  });

  it('hands out root and cluster_admin only when root restores (they are root-only, as GRANT has them)', async () => {
    const table = c.ctx.catalog.table;
    const snap: SnapshotAccounts = { users: [{ user: 'admin2', host: '%', passwordHash: HASH, grants: [], roles: ['root', 'cluster_admin', 'db_admin'], defaultRoles: ['root'] }], roles: [] };
    const byUserAdmin = await planAccountRestore(table, snap, false);
    expect(byUserAdmin.plan.users).toEqual([expect.objectContaining({ user: 'admin2', roles: ['db_admin'], defaultRoles: [] })]);
    expect(byUserAdmin.report.dropped).toEqual(["ROLE root TO 'admin2'@'%' (only root grants it)", "ROLE cluster_admin TO 'admin2'@'%' (only root grants it)"]);
    expect((await planAccountRestore(table, snap, true)).plan.users[0]).toMatchObject({ roles: ['root', 'cluster_admin', 'db_admin'], defaultRoles: ['root'] });
  });

  it('leaves a principal bound here with its user: the snapshot user bound to it is dropped, and said so', async () => {
    const table = c.ctx.catalog.table;
    const arn = 'arn:aws:iam::123456789012:role/Backup';
    await new AccountStore(table).create({ user: 'here', host: '%', passwordHash: '', iamPrincipal: arn });
    const snap: SnapshotAccounts = { users: [{ user: 'there', host: '%', passwordHash: '', iamPrincipal: arn, grants: [], roles: [], defaultRoles: [] }], roles: [] };
    const { plan, report } = await planAccountRestore(table, snap, true);
    expect(plan.users).toEqual([]);
    expect(report).toEqual({ kept: [], dropped: [`'there'@'%' (IAM principal ${arn} is bound to 'here'@'%' here)`] });
  });
});
