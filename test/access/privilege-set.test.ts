import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessDenied } from '../../lib/access/access-denied.ts';
import { GrantStore } from '../../lib/access/grant-store.ts';
import { PrivilegeSet } from '../../lib/access/privilege-set.ts';
import type { GrantEntry } from '../../lib/access/privilege-types.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * The privilege core against the catalog's table. Built-in roles as fe-core authorization/AuthorizationMgr
 * .initBuiltinRolesAndUsers makes them; the denial text as common/ErrorCode.ERR_ACCESS_DENIED words it.
 */
const temp = useTempDirs('privilege-set');
let c: TestCluster;
let store: GrantStore;
const alice = { user: 'alice', host: '%' };
const table = (db: string, name: string, privileges: GrantEntry['privileges'], grantOption = false): GrantEntry =>
  ({ type: 'TABLE', privileges, object: { db, name }, grantOption });

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  store = new GrantStore(c.ctx.catalog.table);
});
afterAll(async () => c?.close());

describe('PrivilegeSet', () => {
  it('gives root everything through its root role, and a new user nothing but public', async () => {
    const root = await PrivilegeSet.load(store, { user: 'root', host: '%' });
    expect(root.has('REPOSITORY', { type: 'SYSTEM' })).toBe(true);
    expect(root.has('EXPORT', { type: 'TABLE', db: 'd', name: 't' })).toBe(true);
    expect(root.activeRoles).toEqual(['root']);
    const nobody = await PrivilegeSet.load(store, alice);
    expect(nobody.has('REPOSITORY', { type: 'SYSTEM' })).toBe(false);
    expect(nobody.has('SELECT', { type: 'TABLE', db: 'information_schema', name: 'tables' })).toBe(true);
    expect(nobody.hasAnyInDatabase('d')).toBe(false);
  });

  it('merges direct grants, active roles and roles granted to roles; inactive roles give nothing', async () => {
    await store.createRole('backup_tbl');
    await store.createRole('parent');
    await store.updateRole('backup_tbl', (r) => ({ ...r, grants: [{ type: 'SYSTEM', privileges: ['REPOSITORY'], object: {}, grantOption: false }] }));
    await store.updateRole('parent', (r) => ({ ...r, roles: ['backup_tbl'] }));
    await store.updateUser(alice, (g) => ({ ...g, grants: [table('d', 't', ['EXPORT'])], roles: ['parent', 'db_admin'], defaultRoles: ['parent'] }));
    const byDefault = await PrivilegeSet.load(store, alice);
    expect(byDefault.has('REPOSITORY', { type: 'SYSTEM' })).toBe(true);
    expect(byDefault.has('EXPORT', { type: 'TABLE', db: 'd', name: 't' })).toBe(true);
    expect(byDefault.has('EXPORT', { type: 'TABLE', db: 'd', name: 'u' })).toBe(false);
    expect(byDefault.hasAnyInDatabase('d')).toBe(true);
    expect(byDefault.activeRoles).toEqual(['parent']);
    expect(byDefault.inactiveRoles).toEqual(['db_admin']);
    const none = await PrivilegeSet.load(store, alice, []);
    expect(none.has('REPOSITORY', { type: 'SYSTEM' })).toBe(false);
    // A role the user does not hold stays inactive whatever SET ROLE said.
    const foreign = await PrivilegeSet.load(store, alice, ['user_admin']);
    expect(foreign.has('GRANT', { type: 'SYSTEM' })).toBe(false);
    const admin = await PrivilegeSet.load(store, alice, ['db_admin']);
    expect(admin.has('DROP', { type: 'DATABASE', db: 'any' })).toBe(true);
    expect(admin.has('GRANT', { type: 'SYSTEM' })).toBe(false);
  });

  it('lets a session grant only what it holds WITH GRANT OPTION, or anything with GRANT on SYSTEM', async () => {
    const bob = { user: 'bob', host: '%' };
    await store.updateUser(bob, (g) => ({ ...g, grants: [table('*', '*', ['SELECT'], true), table('d', 't', ['INSERT'])] }));
    const set = await PrivilegeSet.load(store, bob);
    expect(set.canGrant(table('d', 't', ['SELECT']))).toBe(true);
    expect(set.canGrant(table('d', '*', ['SELECT']))).toBe(true);
    expect(set.canGrant(table('d', 't', ['SELECT', 'INSERT']))).toBe(false);
    await store.updateUser(bob, (g) => ({ ...g, roles: ['user_admin'], defaultRoles: ['user_admin'] }));
    expect((await PrivilegeSet.load(store, bob)).canGrant(table('d', 't', ['INSERT']))).toBe(true);
  });

  it('words a denial as StarRocks does, with the current and inactivated roles', async () => {
    const set = await PrivilegeSet.load(store, alice);
    expect(accessDenied(set, 'REPOSITORY', { type: 'SYSTEM' }).message).toBe(
      'Access denied; you need (at least one of) the REPOSITORY privilege(s) on SYSTEM for this operation. Please ask the admin ' +
        'to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): [parent]. Inactivated role(s): [db_admin].',
    );
    const none = await PrivilegeSet.load(store, { user: 'carol', host: '%' });
    expect(accessDenied(none, 'EXPORT', { type: 'TABLE', db: 'd', name: 't' }).message).toContain(
      'the EXPORT privilege(s) on TABLE t for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.',
    );
    expect(accessDenied(none, 'EXPORT', { type: 'TABLE', db: 'd', name: 't' }).name).toBe('AccessDeniedError');
  });

  it('the home owner passes every check', () => {
    const owner = PrivilegeSet.owner();
    expect(owner.has('NODE', { type: 'SYSTEM' }) && owner.hasAnyInDatabase('x') && owner.canGrant(table('d', 't', ['DROP']))).toBe(true);
  });
});
