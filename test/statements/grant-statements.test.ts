import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../../bin/run-script.ts';
import type { Session } from '../../lib/statements/session.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * Roles and privileges through the CLI runner (the home's owner, root) and as other users. StarRocks' rules
 * and messages: fe-core sql/analyzer/AuthorizationAnalyzer (existence checks), AuthorizerStmtVisitor (who may
 * run each statement), authorization/AuthorizationMgr and DefaultAuthorizationProvider.validateGrant,
 * qe/SetRoleExecutor, authorization/ShowGrantsExecutor with AST2SQL (SHOW GRANTS rows), and the cases of
 * PrivilegeStmtAnalyzerV2Test.
 */
const temp = useTempDirs('grant-statements');
let c: TestCluster;
const analyzing = (detail: string) => `Getting analyzing error. Detail message: ${detail}.`;
const denied = (roles: string, inactive = 'NONE') =>
  'Access denied; you need (at least one of) the GRANT privilege(s) on SYSTEM for this operation. Please ask the admin to grant ' +
  `permission(s) or try activating existing roles using <set [default] role>. Current role(s): ${roles}. Inactivated role(s): ${inactive}.`;

/** A connection of `user` (host '%'), keeping its session across calls as the MySQL door does. */
function as(user: string) {
  const session: Session = { user: { name: user, host: '%' } };
  const run = (text: string) => runScript(c.ctx, text, { session });
  return {
    session,
    sql: async (text: string) => {
      const failed = (await run(text)).find((o) => o.error);
      if (failed) throw new Error(failed.error!.message);
    },
    rows: async (text: string) => (await run(text)).at(-1)!.result!.rows,
    error: async (text: string) => {
      const failed = (await run(text)).find((o) => o.error);
      if (!failed) throw new Error(`expected an error from: ${text}`);
      return failed.error!.message;
    },
  };
}

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  await c.sql(`CREATE DATABASE db1; USE db1;
    CREATE TABLE t0 (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
    CREATE TABLE t1 (k INT) DUPLICATE KEY(k) DISTRIBUTED BY HASH(k) BUCKETS 1;
    CREATE VIEW v AS SELECT * FROM t0;
    CREATE USER jack; CREATE USER admin1; CREATE USER amy`);
});
afterAll(async () => c?.close());

describe('roles', () => {
  it('creates, comments, lists and drops roles; SHOW ROLES shows the built-ins first', async () => {
    await c.sql("CREATE ROLE backup_tbl, r2 COMMENT 'backs up tables'; CREATE ROLE IF NOT EXISTS r2; ALTER ROLE r2 SET COMMENT = 'second'");
    expect(await c.rows('SHOW ROLES')).toEqual([
      ['root', 'true', 'built-in root role which has all privileges on all objects'],
      ['db_admin', 'true', 'built-in database administration role'],
      ['cluster_admin', 'true', 'built-in cluster administration role'],
      ['user_admin', 'true', 'built-in user administration role'],
      ['public', 'true', 'built-in public role which is owned by any user'],
      ['backup_tbl', 'false', 'backs up tables'],
      ['r2', 'false', 'second'],
    ]);
    await c.sql('DROP ROLE r2; DROP ROLE IF EXISTS r2');
    expect((await c.rows('SHOW ROLES')).map((r) => r[0])).not.toContain('r2');
  });

  it("refuses what StarRocks refuses, with its words", async () => {
    expect(await c.error('CREATE ROLE backup_tbl')).toBe(analyzing('Operation CREATE ROLE failed for backup_tbl : role already exists'));
    expect(await c.error('CREATE ROLE root')).toBe(analyzing('Operation CREATE ROLE failed for root : role already exists'));
    expect(await c.error('DROP ROLE nope')).toBe(analyzing('Operation DROP ROLE failed for nope : role not exists'));
    expect(await c.error('DROP ROLE db_admin')).toBe('role db_admin cannot be dropped!');
    expect(await c.error("ALTER ROLE nope SET COMMENT = 'x'")).toBe("nope doesn't exist");
    expect(await c.error("ALTER ROLE user_admin SET COMMENT = 'x'")).toBe('user_admin is immutable');
  });
});

describe('GRANT and REVOKE of privileges', () => {
  it('stores grants on each object type and prints them as SHOW GRANTS does', async () => {
    await c.sql(`GRANT REPOSITORY ON SYSTEM TO ROLE backup_tbl;
      GRANT EXPORT ON TABLE t0, db1.t1 TO ROLE backup_tbl;
      GRANT SELECT, INSERT ON db1.t0 TO jack WITH GRANT OPTION;
      GRANT ALL ON VIEW db1.v TO USER jack;
      GRANT CREATE TABLE ON DATABASE db1 TO jack;
      GRANT SELECT ON ALL TABLES IN ALL DATABASES TO jack;
      GRANT USAGE ON ALL CATALOGS TO jack;
      GRANT IMPERSONATE ON USER amy TO jack`);
    expect(await c.rows('SHOW GRANTS FOR ROLE backup_tbl')).toEqual([
      ['backup_tbl', 'default_catalog', "GRANT REPOSITORY ON SYSTEM TO ROLE 'backup_tbl'"],
      ['backup_tbl', 'default_catalog', "GRANT EXPORT ON TABLE db1.t0 TO ROLE 'backup_tbl'"],
      ['backup_tbl', 'default_catalog', "GRANT EXPORT ON TABLE db1.t1 TO ROLE 'backup_tbl'"],
    ]);
    const jack = "'jack'@'%'";
    expect((await c.sql('SHOW GRANTS FOR jack'))[0]).toEqual({
      columns: ['UserIdentity', 'Catalog', 'Grants'],
      rows: [
        [jack, null, `GRANT USAGE ON ALL CATALOGS TO USER ${jack}`],
        [jack, 'default_catalog', `GRANT CREATE TABLE ON DATABASE db1 TO USER ${jack}`],
        [jack, 'default_catalog', `GRANT INSERT, SELECT ON TABLE db1.t0 TO USER ${jack} WITH GRANT OPTION`],
        [jack, 'default_catalog', `GRANT SELECT ON ALL TABLES IN ALL DATABASES TO USER ${jack}`],
        [jack, 'default_catalog', `GRANT SELECT, ALTER, DROP ON VIEW db1.v TO USER ${jack}`],
        [jack, 'default_catalog', `GRANT IMPERSONATE ON USER 'amy'@'%' TO USER ${jack}`],
      ],
    });
  });

  it('revokes what was granted, and what was not without complaint', async () => {
    await c.sql('REVOKE CREATE TABLE ON DATABASE db1 FROM jack; REVOKE INSERT ON TABLE db1.t0 FROM jack; REVOKE DELETE ON TABLE db1.t1 FROM jack');
    const grants = (await c.rows('SHOW GRANTS FOR jack')).map((r) => r[2]);
    expect(grants).not.toContain("GRANT CREATE TABLE ON DATABASE db1 TO USER 'jack'@'%'");
    expect(grants).toContain("GRANT SELECT ON TABLE db1.t0 TO USER 'jack'@'%' WITH GRANT OPTION");
  });

  it('refuses privileges an object type does not take, GRANT and NODE on SYSTEM, and built-in roles', async () => {
    // PrivilegeStmtAnalyzerV2Test.testGrantRevokeSelectTableDbPrivilege / testGrantRevokePriv.
    expect(await c.error('REVOKE SELECT ON DATABASE db1 FROM jack')).toBe(analyzing("Cannot grant or revoke SELECT on 'DATABASE' type object"));
    expect(await c.error('GRANT GRANT ON SYSTEM TO jack')).toBe(
      analyzing("Operation not permitted, 'GRANT' cannot be granted to user or role directly, use built-in role instead"),
    );
    expect(await c.error('REVOKE NODE ON SYSTEM FROM ROLE root')).toBe(
      analyzing("Operation not permitted, 'NODE' cannot be granted to user or role directly, use built-in role instead"),
    );
    expect(await c.error('GRANT SELECT ON TABLE db1.t0 TO ROLE user_admin')).toBe('failed to grant: role user_admin is not mutable!');
  });

  it('refuses grantees and objects that do not exist, with StarRocks messages', async () => {
    expect(await c.error('GRANT SELECT ON TABLE db1.t0 TO nobody')).toBe(analyzing("cannot find user 'nobody'@'%'!"));
    expect(await c.error('GRANT SELECT ON TABLE db1.t0 TO ROLE xxx')).toBe(analyzing('Can not grant/revoke to role: cannot find role xxx!'));
    expect(await c.error('GRANT INSERT ON dbx.tblxx TO jack')).toBe(analyzing('cannot find db: dbx'));
    expect(await c.error('GRANT INSERT ON db1.tblxx TO jack')).toBe(analyzing('cannot find table tblxx in db db1'));
    expect(await c.error('GRANT DROP ON VIEW db1.t1 TO jack')).toBe(analyzing('cannot find view t1 in db db1'));
    expect(await c.error('GRANT DROP ON DATABASE dbx TO jack')).toBe(analyzing('cannot find db: dbx'));
    expect(await c.error('GRANT DROP ON DATABASE db1.t1 TO jack')).toBe(analyzing('cannot find catalog: db1'));
    expect(await c.error('GRANT USAGE ON CATALOG nope TO jack')).toBe(analyzing('cannot find catalog: nope'));
    expect(await c.error('GRANT USAGE ON FUNCTION db1.f(INT) TO jack')).toBe(analyzing('cannot find function db1.f!'));
    expect(await c.error('GRANT IMPERSONATE ON USER xxx TO jack')).toBe(analyzing("cannot find user 'xxx'@'%'!"));
    expect(await c.error('GRANT SELECT ON ALL TABLES TO jack')).toBe(analyzing('Invalid grant statement with error privilege object [*]'));
    expect(await c.error('GRANT IMPERSONATE ON ALL USERS IN ALL DATABASES TO jack')).toBe(analyzing('Invalid grant statement with error privilege object [*, *]'));
    expect(await c.error('GRANT SELECT ON ALL TABLES IN DATABASE dbx TO jack')).toBe(analyzing('cannot find db: dbx'));
    const noDb = await as('jack').error('GRANT SELECT ON TABLE t0 TO amy');
    expect(noDb).toBe('No database selected');
  });
});

describe('who may grant', () => {
  it('denies a user without GRANT on SYSTEM or the grant option, with the access-denied message', async () => {
    expect(await as('amy').error('GRANT SELECT ON TABLE db1.t0 TO jack')).toBe(denied('NONE'));
    expect(await as('amy').error('CREATE ROLE r9')).toBe(denied('NONE'));
    expect(await as('amy').error('SHOW ROLES')).toBe(denied('NONE'));
    expect(await as('amy').error('GRANT backup_tbl TO jack')).toBe(denied('NONE'));
    expect(await as('amy').error('SHOW GRANTS FOR jack')).toBe(denied('NONE'));
  });

  it('lets a holder WITH GRANT OPTION hand on what the option covers, and nothing more', async () => {
    // jack holds SELECT on db1.t0 WITH GRANT OPTION, but INSERT was revoked and t1 never had the option.
    await as('jack').sql('GRANT SELECT ON TABLE db1.t0 TO amy');
    expect(await c.rows('SHOW GRANTS FOR amy')).toEqual([["'amy'@'%'", 'default_catalog', "GRANT SELECT ON TABLE db1.t0 TO USER 'amy'@'%'"]]);
    expect(await as('jack').error('GRANT INSERT ON TABLE db1.t0 TO amy')).toBe(denied('NONE'));
    expect(await as('jack').error('GRANT SELECT ON TABLE db1.t1 TO amy')).toBe(denied('NONE'));
    await as('jack').sql('REVOKE SELECT ON TABLE db1.t0 FROM amy');
    expect(await c.rows('SHOW GRANTS FOR amy')).toEqual([]);
  });

  it('lets user_admin grant anything but the root and cluster_admin roles, which only root grants', async () => {
    // A granted role is inactive until SET ROLE or SET DEFAULT ROLE makes it active.
    await c.sql('GRANT user_admin TO admin1');
    expect(await as('admin1').error('CREATE ROLE r3')).toBe(denied('NONE', '[user_admin]'));
    await c.sql('SET DEFAULT ROLE user_admin TO admin1');
    const admin = as('admin1');
    await admin.sql('GRANT DELETE ON TABLE db1.t1 TO amy; CREATE ROLE r3; GRANT db_admin TO ROLE r3');
    expect(await admin.error('GRANT root TO amy')).toBe(analyzing('Can not grant root or cluster_admin role except root user'));
    expect(await admin.error('REVOKE cluster_admin FROM amy')).toBe(analyzing('Can not grant root or cluster_admin role except root user'));
    // CREATE USER … DEFAULT ROLE grants the roles too: a user_admin cannot make a root that way either.
    expect(await admin.error("CREATE USER amy2 IDENTIFIED BY 'p' DEFAULT ROLE root")).toBe(analyzing('Can not grant root or cluster_admin role except root user'));
    expect(await admin.error("CREATE USER amy2 IDENTIFIED BY 'p' DEFAULT ROLE cluster_admin")).toBe(analyzing('Can not grant root or cluster_admin role except root user'));
    expect(await admin.rows('SHOW GRANTS FOR ROLE r3')).toEqual([['r3', null, "GRANT 'db_admin' TO ROLE r3"]]);
  });
});

describe('GRANT and REVOKE of roles', () => {
  it('grants roles to users and roles, shown first in SHOW GRANTS', async () => {
    await c.sql('CREATE ROLE ra, rb; GRANT ra, backup_tbl TO USER amy; GRANT ra TO ROLE rb');
    expect((await c.rows('SHOW GRANTS FOR amy'))[0]).toEqual(["'amy'@'%'", null, "GRANT 'ra', 'backup_tbl' TO 'amy'@'%'"]);
    expect(await c.rows('SHOW GRANTS FOR ROLE rb')).toEqual([['rb', null, "GRANT 'ra' TO ROLE rb"]]);
  });

  it('refuses circles, public, unknown roles, immutable grantees and revoking root from root', async () => {
    expect(await c.error('GRANT rb TO ROLE ra')).toBe('failed to grant role: role ra is already a predecessor role of rb');
    expect(await c.error('GRANT ra TO ROLE ra')).toBe('failed to grant role: role ra is already a predecessor role of ra');
    expect(await c.error('GRANT public TO amy')).toBe('failed to grant role: Granting role PUBLIC has no effect.  Every user and role has role PUBLIC implicitly granted.');
    expect(await c.error('REVOKE public FROM amy')).toBe('failed to revoke role: Revoking role PUBLIC has no effect.  Every user and role has role PUBLIC implicitly granted.');
    expect(await c.error('GRANT nope TO amy')).toBe(analyzing('Can not granted/revoke role to/from user: cannot find role nope!'));
    expect(await c.error('GRANT ra TO ROLE nope')).toBe(analyzing('Can not granted/revoke role to/from role: cannot find role nope!'));
    expect(await c.error('GRANT ra TO ROLE db_admin')).toBe('failed to grant role: role db_admin is not mutable!');
    expect(await c.error('REVOKE root FROM root')).toBe(analyzing('Can not revoke root role from root user'));
  });

  it('drops a granted role from whoever held it', async () => {
    await c.sql('CREATE ROLE gone; GRANT gone TO amy; GRANT gone TO ROLE rb; DROP ROLE gone; CREATE ROLE gone');
    expect((await c.rows('SHOW GRANTS FOR amy'))[0]).toEqual(["'amy'@'%'", null, "GRANT 'ra', 'backup_tbl' TO 'amy'@'%'"]);
    expect(await c.rows('SHOW GRANTS FOR ROLE rb')).toEqual([['rb', null, "GRANT 'ra' TO ROLE rb"]]);
    await c.sql('REVOKE ra FROM amy; DROP ROLE gone');
  });
});

describe('SET ROLE, SET DEFAULT ROLE and default roles', () => {
  it('starts a session with the default roles, and SET ROLE changes the active ones', async () => {
    await c.sql("CREATE USER bo DEFAULT ROLE backup_tbl, rb; SET DEFAULT ROLE backup_tbl TO bo");
    const bo = as('bo');
    expect(await bo.error('SHOW ROLES')).toBe(denied('[backup_tbl]', '[rb]'));
    await bo.sql('SET ROLE ALL');
    expect(bo.session.roles).toEqual(['backup_tbl', 'rb']);
    await bo.sql('SET ROLE ALL EXCEPT rb');
    expect(bo.session.roles).toEqual(['backup_tbl']);
    await bo.sql('SET ROLE NONE');
    expect(await bo.error('SHOW ROLES')).toBe(denied('NONE', '[backup_tbl, rb]'));
    await bo.sql("SET ROLE 'rb'");
    expect(bo.session.roles).toEqual(['rb']);
    await bo.sql('SET ROLE DEFAULT');
    expect(bo.session.roles).toBeUndefined();
  });

  it('refuses roles that do not exist or are not granted', async () => {
    expect(await as('bo').error('SET ROLE nope')).toBe(analyzing('Cannot set role: cannot find role nope!'));
    expect(await as('bo').error('SET ROLE ra')).toBe("Role ra is not granted to 'bo'@'%'");
    expect(await c.error('SET DEFAULT ROLE xxx TO bo')).toBe(analyzing('Cannot set role: cannot find role xxx!'));
    expect(await c.error('SET DEFAULT ROLE ra TO bo')).toBe(analyzing("Role ra is not granted to 'bo'@'%'"));
    expect(await c.error('CREATE USER cy DEFAULT ROLE nope')).toBe(analyzing('Valid role name fail: cannot find role nope!'));
    expect(await as('bo').error('SET DEFAULT ROLE NONE TO amy')).toBe(denied('[backup_tbl]', '[rb]'));
  });

  it("lets a user set its own default roles, and ALTER USER … DEFAULT ROLE is the same statement", async () => {
    await as('bo').sql('SET DEFAULT ROLE ALL TO bo');
    expect(await as('bo').error('SHOW ROLES')).toBe(denied('[backup_tbl, rb]'));
    await c.sql('ALTER USER bo DEFAULT ROLE NONE');
    expect(await as('bo').error('SHOW ROLES')).toBe(denied('NONE', '[backup_tbl, rb]'));
  });

  it("shows one's own grants and own roles' grants without GRANT on SYSTEM", async () => {
    expect(await as('bo').rows('SHOW GRANTS')).toEqual([["'bo'@'%'", null, "GRANT 'backup_tbl', 'rb' TO 'bo'@'%'"]]);
    expect((await as('bo').rows('SHOW GRANTS FOR ROLE backup_tbl'))[0]).toEqual(['backup_tbl', 'default_catalog', "GRANT REPOSITORY ON SYSTEM TO ROLE 'backup_tbl'"]);
    expect(await as('bo').error('SHOW GRANTS FOR ROLE ra')).toBe(denied('NONE', '[backup_tbl, rb]'));
    expect(await c.error('SHOW GRANTS FOR ROLE nope')).toBe(analyzing('There is no such grant defined for role nope: cannot find role nope!'));
    expect(await c.rows('SHOW GRANTS')).toEqual([["'root'@'%'", null, "GRANT 'root' TO 'root'@'%'"]]);
  });
});
