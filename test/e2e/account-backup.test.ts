import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountStore } from '../../lib/access/account-store.ts';
import { GrantStore } from '../../lib/access/grant-store.ts';
import { passwordMatchesHash } from '../../lib/access/password-hash.ts';
import { seal, unseal } from '../../lib/domain/envelope.ts';
import { layout } from '../../lib/domain/repository-layout.ts';
import { sha256Hex } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, snapshotTimestamp, type TestCluster } from '../support/test-cluster.ts';

/**
 * BACKUP ALL USERS / RESTORE … ALL USERS: starbackup's own (StarRocks cannot back up accounts), through
 * the job workflow like ALL EXTERNAL CATALOGS. Restoring keeps what exists exactly as it is.
 */
const temp = useTempDirs('account-backup');
let c: TestCluster;
let dir: string;
const restoreSql = async (label: string, rest = 'ALL USERS') =>
  `RESTORE SNAPSHOT ${label} FROM repo ${rest} PROPERTIES ("backup_timestamp" = "${await snapshotTimestamp(c, 'repo', label)}")`;
const accounts = () => new AccountStore(c.ctx.catalog.table);
const grants = () => new GrantStore(c.ctx.catalog.table);
const login = async (user: string, host: string, password: string) => {
  const a = await accounts().get({ user, host });
  return a !== undefined && passwordMatchesHash(password, a.passwordHash);
};

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true });
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1;
    CREATE REPOSITORY repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`);
});
afterAll(async () => c?.close());

/** Roles and grants as GRANT and CREATE ROLE keep them (lib/access/grant-store.ts). */
async function setUpAccounts(): Promise<void> {
  await c.sql("CREATE USER alice IDENTIFIED BY 'alice-pw'; CREATE USER 'bob'@'10.0.%' IDENTIFIED BY 'bob-pw'");
  const g = grants();
  await g.createRole('backup_tbl', 'backs up tables');
  await g.updateRole('backup_tbl', (r) => ({
    ...r,
    grants: [
      { type: 'SYSTEM', privileges: ['REPOSITORY'], object: {}, grantOption: false },
      { type: 'TABLE', privileges: ['EXPORT'], object: { db: 'd', name: '*' }, grantOption: false },
    ],
  }));
  await g.createRole('reader');
  await g.updateRole('reader', (r) => ({ ...r, roles: ['backup_tbl'], grants: [{ type: 'TABLE', privileges: ['SELECT'], object: { db: 'gone_db', name: 'gone' }, grantOption: true }] }));
  await g.updateUser({ user: 'alice', host: '%' }, () => ({
    grants: [{ type: 'DATABASE', privileges: ['CREATE TABLE'], object: { db: 'd' }, grantOption: false }],
    roles: ['reader', 'user_admin'], defaultRoles: ['reader'],
  }));
  await g.updateUser({ user: 'bob', host: '10.0.%' }, () => ({ grants: [], roles: ['backup_tbl'], defaultRoles: [] }));
}

const state = async () => ({
  users: await c.rows('SHOW USERS'),
  alice: await grants().getUser({ user: 'alice', host: '%' }),
  bob: await grants().getUser({ user: 'bob', host: '10.0.%' }),
  roles: (await grants().snapshot()).roles().map(({ name, comment, grants: g, roles }) => ({ name, comment, grants: g, roles })),
});

describe('BACKUP ALL USERS and RESTORE … ALL USERS', () => {
  it('round-trips users, roles and grants, and the restored users log in with their old passwords', async () => {
    await setUpAccounts();
    const before = await state();
    await c.sql('BACKUP ALL USERS SNAPSHOT accts TO repo');
    const [job] = await c.rows('SHOW BACKUP');
    expect([job![1], job![2], job![3], job![4]]).toEqual(['accts', '', 'FINISHED', '[ALL USERS]']);
    // Only hashes travel: the snapshot never holds a password.
    const files = JSON.stringify(await c.ctx.catalog.table.query('USERS')) + readSnapshot('accts');
    expect(files).not.toContain('alice-pw');
    const [detail] = await c.rows(`SHOW SNAPSHOT ON repo WHERE SNAPSHOT = 'accts' AND TIMESTAMP = '${await snapshotTimestamp(c, 'repo', 'accts')}'`);
    expect(JSON.parse(detail![3]!)).toMatchObject({ database: '', users: ["'bob'@'10.0.%'", "'alice'@'%'"], roles: ['backup_tbl', 'reader'] });

    await c.sql("DROP USER alice; DROP USER 'bob'@'10.0.%'");
    await grants().dropRole('reader');
    await grants().dropRole('backup_tbl');
    expect(await c.rows('SHOW USERS')).toEqual([["'root'@'%'"]]);
    await c.sql(await restoreSql('accts'));
    expect(await state()).toEqual(before);
    expect(await login('alice', '%', 'alice-pw')).toBe(true);
    expect(await login('bob', '10.0.%', 'bob-pw')).toBe(true);
    const [restored] = await c.rows('SHOW RESTORE');
    expect([restored![1], restored![3], restored![4], restored![7]]).toEqual(['accts', '', 'FINISHED', 'ALL USERS']);
  });

  it('keeps an existing user with its password and an existing role without widening it, and says so', async () => {
    await c.sql("ALTER USER alice IDENTIFIED BY 'new-pw'");
    await grants().updateRole('reader', (r) => ({ ...r, roles: [], grants: [] }));
    await c.sql("DROP USER 'bob'@'10.0.%'");
    await c.sql(await restoreSql('accts'));
    expect(await login('alice', '%', 'alice-pw')).toBe(false);
    expect(await login('alice', '%', 'new-pw')).toBe(true);
    expect(await grants().getRole('reader')).toMatchObject({ grants: [], roles: [] });
    expect(await login('bob', '10.0.%', 'bob-pw')).toBe(true);
    const [job] = await c.rows('SHOW RESTORE');
    expect(job![7]).toBe("ALL USERS KEPT [ROLE backup_tbl, ROLE reader, 'alice'@'%']");
  });

  it('drops a role grant whose role is neither here nor in the snapshot, and says so', async () => {
    const g = grants();
    await c.sql('CREATE USER carol');
    await g.createRole('temp');
    await g.updateUser({ user: 'carol', host: '%' }, () => ({ grants: [], roles: ['temp'], defaultRoles: ['temp'] }));
    await c.sql('BACKUP ALL USERS SNAPSHOT with_temp TO repo');
    await c.sql('DROP USER carol');
    await g.dropRole('temp');
    // The snapshot holds temp: it comes back with carol.
    await c.sql(await restoreSql('with_temp'));
    expect(await g.getUser({ user: 'carol', host: '%' })).toMatchObject({ roles: ['temp'], defaultRoles: ['temp'] });
    expect(await g.getRole('temp')).toMatchObject({ name: 'temp', grants: [], roles: [] });
    // A snapshot whose carol holds a role it does not hold itself (and that is not here): the grant is dropped.
    await c.sql('DROP USER carol');
    await g.dropRole('temp');
    tamper('with_temp', (m) => { m.accounts.roles = m.accounts.roles.filter((r: { name: string }) => r.name !== 'temp'); });
    await c.sql(await restoreSql('with_temp'));
    expect(await g.getUser({ user: 'carol', host: '%' })).toEqual({ grants: [], roles: [], defaultRoles: [] });
    expect(await g.getRole('temp')).toBeUndefined();
    const [job] = await c.rows('SHOW RESTORE');
    expect(job![7]).toBe("ALL USERS KEPT [ROLE backup_tbl, ROLE reader, 'bob'@'10.0.%', 'alice'@'%'] DROPPED [ROLE temp TO 'carol'@'%']");
  });

  it('needs REPOSITORY and GRANT on SYSTEM (user_admin)', async () => {
    const g = grants();
    await c.sql("CREATE USER dave IDENTIFIED BY 'dave-pw'");
    await g.updateUser({ user: 'dave', host: '%' }, () => ({ grants: [{ type: 'SYSTEM', privileges: ['REPOSITORY'], object: {}, grantOption: false }], roles: [], defaultRoles: [] }));
    c.session.user = { name: 'dave', host: '%' };
    try {
      const denied = 'Access denied; you need (at least one of) the GRANT privilege(s) on SYSTEM for this operation. '
        + 'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.';
      expect(await c.error('BACKUP ALL USERS SNAPSHOT x TO repo')).toBe(denied);
      expect(await c.error(await restoreSql('accts'))).toBe(denied);
      await g.updateUser({ user: 'dave', host: '%' }, () => ({ grants: [], roles: ['user_admin'], defaultRoles: ['user_admin'] }));
      expect(await c.error('BACKUP ALL USERS SNAPSHOT x TO repo')).toBe(
        'Access denied; you need (at least one of) the REPOSITORY privilege(s) on SYSTEM for this operation. '
        + 'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): [user_admin]. Inactivated role(s): NONE.',
      );
    } finally {
      delete c.session.user;
    }
  });

  it('refuses a database, ON (…) or the wrong kind of snapshot, with messages', async () => {
    expect(await c.error('BACKUP ALL USERS DATABASE d SNAPSHOT x TO repo')).toBe('Can not specify a database, a qualified snapshot name or ON (...) in a backup of ALL USERS');
    expect(await c.error('BACKUP ALL USERS SNAPSHOT x TO repo ON (t)')).toBe('Can not specify a database, a qualified snapshot name or ON (...) in a backup of ALL USERS');
    expect(await c.error(await restoreSql('accts', 'ALL USERS DATABASE d'))).toBe('Can not specify database for ALL USERS snapshot');
    expect(await c.error(await restoreSql('accts', ''))).toBe('Snapshot accts holds users and roles: restore it with RESTORE SNAPSHOT accts FROM repo ALL USERS');
    expect(await c.error(await restoreSql('accts', 'ALL EXTERNAL CATALOGS'))).toBe('Snapshot accts holds users and roles: restore it with RESTORE SNAPSHOT accts FROM repo ALL USERS');
    await c.sql('BACKUP DATABASE d SNAPSHOT data TO repo');
    expect(await c.error(await restoreSql('data'))).toBe('This is not a snapshot for ALL USERS restore, snapshot: data');
  });

  it('refuses a tampered snapshot (bad hash, unknown privilege, root) with a message naming the field', async () => {
    const ts = await snapshotTimestamp(c, 'repo', 'accts');
    const invalid = (field: string) => `RESTORE job 'accts' ended CANCELLED: [COMMON_ERROR, msg: Snapshot accts (${ts}) in repository repo is invalid: ${field}]`;
    const original = readSnapshot('accts');
    await c.sql("DROP USER alice");
    tamper('accts', (m) => { m.accounts.users[1].passwordHash = '*ABC'; });
    expect(await c.error(await restoreSql('accts'))).toBe(invalid('__meta accounts.users[1].passwordHash: Password hash should be a 41-digit hexadecimal number'));
    tamper('accts', (m) => { m.accounts.roles[0].grants[0].privileges = ['SELECT']; }, original);
    expect(await c.error(await restoreSql('accts'))).toBe(invalid("__meta accounts.roles[0].grants[0].privileges[0]: 'SELECT' is not a privilege of SYSTEM"));
    tamper('accts', (m) => { m.accounts.users[1].user = 'root'; m.accounts.users[1].host = '%'; }, original);
    expect(await c.error(await restoreSql('accts'))).toBe(invalid("__meta accounts.users[1]: 'root'@'%' is never backed up or restored"));
    expect(await accounts().get({ user: 'alice', host: '%' })).toBeUndefined();
  });
});

/** The `__meta` text of a snapshot. */
function readSnapshot(label: string): string {
  const ss = join(dir, 'repo', layout.snapshotDir('repo', label));
  return readdirSync(ss).filter((f) => f.startsWith('__meta_')).map((f) => readFileSync(join(ss, f), 'utf8')).join('');
}

/**
 * Changes a snapshot's `__meta` and writes every checksum again (its envelope and `__info`'s record of it),
 * as an attacker with write access to the repository could: only validation stands in the way.
 */
function tamper(label: string, change: (meta: any) => void, from?: string): void {
  const ss = join(dir, 'repo', layout.snapshotDir('repo', label));
  const metaFile = join(ss, readdirSync(ss).find((f) => f.startsWith('__meta_'))!);
  const infoFile = join(ss, readdirSync(ss).find((f) => f.startsWith('__info_'))!);
  const meta = unseal<any>(from ?? readFileSync(metaFile, 'utf8'), 'meta', sha256Hex);
  change(meta);
  const text = seal(meta, sha256Hex);
  writeFileSync(metaFile, text);
  const info = unseal<any>(readFileSync(infoFile, 'utf8'), 'info', sha256Hex);
  info.meta = { sha256: sha256Hex(text), size: Buffer.byteLength(text) };
  info.roles = meta.accounts.roles.map((r: { name: string }) => r.name);
  writeFileSync(infoFile, seal(info, sha256Hex));
}
