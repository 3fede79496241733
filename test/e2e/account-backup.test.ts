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

/** Users, roles and grants as an operator makes them, with StarRocks' statements. */
async function setUpAccounts(): Promise<void> {
  await c.sql(`CREATE USER alice IDENTIFIED BY 'alice-pw'; CREATE USER 'bob'@'10.0.%' IDENTIFIED BY 'bob-pw';
    CREATE ROLE backup_tbl COMMENT 'backs up tables'; CREATE ROLE reader;
    GRANT REPOSITORY ON SYSTEM TO ROLE backup_tbl; GRANT EXPORT ON ALL TABLES IN DATABASE d TO ROLE backup_tbl;
    GRANT SELECT ON TABLE d.t TO ROLE reader WITH GRANT OPTION; GRANT backup_tbl TO ROLE reader;
    GRANT CREATE TABLE ON DATABASE d TO alice; GRANT IMPERSONATE ON USER 'bob'@'10.0.%' TO alice;
    GRANT reader, user_admin TO alice; SET DEFAULT ROLE reader TO alice; GRANT backup_tbl TO 'bob'@'10.0.%'`);
}

/** What SHOW USERS, SHOW ROLES and SHOW GRANTS say of every account and role. */
const state = async () => ({
  users: await c.rows('SHOW USERS'),
  roles: await c.rows('SHOW ROLES'),
  alice: await c.rows('SHOW GRANTS FOR alice'),
  bob: await c.rows("SHOW GRANTS FOR 'bob'@'10.0.%'"),
  reader: await c.rows('SHOW GRANTS FOR ROLE reader'),
  backupTbl: await c.rows('SHOW GRANTS FOR ROLE backup_tbl'),
  defaults: (await grants().getUser({ user: 'alice', host: '%' })).defaultRoles,
});

describe('BACKUP ALL USERS and RESTORE … ALL USERS', () => {
  it('round-trips users, roles and grants, and the restored users log in with their old passwords', async () => {
    await setUpAccounts();
    const before = await state();
    expect(before.reader).toEqual([
      ['reader', null, "GRANT 'backup_tbl' TO ROLE reader"],
      ['reader', 'default_catalog', "GRANT SELECT ON TABLE d.t TO ROLE 'reader' WITH GRANT OPTION"],
    ]);
    expect(before.alice.map((r) => r[2])).toEqual([
      "GRANT 'reader', 'user_admin' TO 'alice'@'%'",
      "GRANT CREATE TABLE ON DATABASE d TO USER 'alice'@'%'",
      "GRANT IMPERSONATE ON USER 'bob'@'10.0.%' TO USER 'alice'@'%'",
    ]);
    await c.sql('BACKUP ALL USERS SNAPSHOT accts TO repo');
    const [job] = await c.rows('SHOW BACKUP');
    expect([job![1], job![2], job![3], job![4]]).toEqual(['accts', '', 'FINISHED', '[ALL USERS]']);
    // Only hashes travel: the snapshot never holds a password.
    const files = JSON.stringify(await c.ctx.catalog.table.query('USERS')) + readSnapshot('accts');
    expect(files).not.toContain('alice-pw');
    const [detail] = await c.rows(`SHOW SNAPSHOT ON repo WHERE SNAPSHOT = 'accts' AND TIMESTAMP = '${await snapshotTimestamp(c, 'repo', 'accts')}'`);
    expect(JSON.parse(detail![3]!)).toMatchObject({ database: '', users: ["'bob'@'10.0.%'", "'alice'@'%'"], roles: ['backup_tbl', 'reader'] });

    await c.sql("DROP USER alice; DROP USER 'bob'@'10.0.%'; DROP ROLE reader; DROP ROLE backup_tbl");
    expect(await c.rows('SHOW USERS')).toEqual([["'root'@'%'"]]);
    // A grant on an object that is not here (yet) is restored by name, as the grant store keeps it.
    await c.sql('DROP TABLE d.t');
    await c.sql(await restoreSql('accts'));
    expect(await state()).toEqual(before);
    await c.sql('CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1');
    expect(await login('alice', '%', 'alice-pw')).toBe(true);
    expect(await login('bob', '10.0.%', 'bob-pw')).toBe(true);
    const [restored] = await c.rows('SHOW RESTORE');
    expect([restored![1], restored![3], restored![4], restored![7]]).toEqual(['accts', '', 'FINISHED', 'ALL USERS']);
  });

  it('keeps an existing user with its password and an existing role without widening it, and says so', async () => {
    await c.sql("ALTER USER alice IDENTIFIED BY 'new-pw'");
    await c.sql("REVOKE backup_tbl FROM ROLE reader; REVOKE SELECT ON TABLE d.t FROM ROLE reader; DROP USER 'bob'@'10.0.%'");
    await c.sql(await restoreSql('accts'));
    expect(await login('alice', '%', 'alice-pw')).toBe(false);
    expect(await login('alice', '%', 'new-pw')).toBe(true);
    expect(await c.rows('SHOW GRANTS FOR ROLE reader')).toEqual([]);
    expect(await login('bob', '10.0.%', 'bob-pw')).toBe(true);
    const [job] = await c.rows('SHOW RESTORE');
    expect(job![7]).toBe("ALL USERS KEPT [ROLE backup_tbl, ROLE reader, 'alice'@'%']");
  });

  it('drops a role grant whose role is neither here nor in the snapshot, and says so', async () => {
    const g = grants();
    await c.sql('CREATE ROLE temp; CREATE USER carol DEFAULT ROLE temp');
    await c.sql('BACKUP ALL USERS SNAPSHOT with_temp TO repo');
    await c.sql('DROP USER carol; DROP ROLE temp');
    // The snapshot holds temp: it comes back with carol.
    await c.sql(await restoreSql('with_temp'));
    expect(await g.getUser({ user: 'carol', host: '%' })).toMatchObject({ roles: ['temp'], defaultRoles: ['temp'] });
    expect(await g.getRole('temp')).toMatchObject({ name: 'temp', grants: [], roles: [] });
    // A snapshot whose carol holds a role it does not hold itself (and that is not here): the grant is dropped.
    await c.sql('DROP USER carol; DROP ROLE temp');
    tamper('with_temp', (m) => { m.accounts.roles = m.accounts.roles.filter((r: { name: string }) => r.name !== 'temp'); });
    await c.sql(await restoreSql('with_temp'));
    expect(await g.getUser({ user: 'carol', host: '%' })).toEqual({ grants: [], roles: [], defaultRoles: [] });
    expect(await g.getRole('temp')).toBeUndefined();
    const [job] = await c.rows('SHOW RESTORE');
    expect(job![7]).toBe("ALL USERS KEPT [ROLE backup_tbl, ROLE reader, 'bob'@'10.0.%', 'alice'@'%'] DROPPED [ROLE temp TO 'carol'@'%']");
  });

  it('needs REPOSITORY and GRANT on SYSTEM (user_admin)', async () => {
    await c.sql("CREATE USER dave IDENTIFIED BY 'dave-pw'; GRANT REPOSITORY ON SYSTEM TO dave");
    c.session.user = { name: 'dave', host: '%' };
    try {
      const denied = 'Access denied; you need (at least one of) the GRANT privilege(s) on SYSTEM for this operation. '
        + 'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.';
      expect(await c.error('BACKUP ALL USERS SNAPSHOT x TO repo')).toBe(denied);
      expect(await c.error(await restoreSql('accts'))).toBe(denied);
      // SHOW BACKUP's last job is the backup of ALL USERS: only user_admin sees it.
      expect(await c.rows('SHOW BACKUP')).toEqual([]);
      // The cluster scope's last job restored users: stopping one needs what starting it needs.
      expect(await c.error('CANCEL RESTORE FOR EXTERNAL CATALOG')).toBe(denied);
      delete c.session.user;
      await c.sql('REVOKE REPOSITORY ON SYSTEM FROM dave; GRANT user_admin TO dave; SET DEFAULT ROLE user_admin TO dave');
      c.session.user = { name: 'dave', host: '%' };
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
