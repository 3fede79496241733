import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../../bin/run-script.ts';
import { AccountStore } from '../../lib/access/account-store.ts';
import { accountAuthenticator } from '../../lib/access/account-authenticator.ts';
import { executeSqlRequest } from '../../lib/api/api-request.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * Account statements through the CLI runner and the API core. StarRocks' checks and messages:
 * fe-core sql/analyzer/AuthenticationAnalyzer (`user … already exists!`, `cannot find user …!`,
 * `Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'`), FeNameFormat.checkUserName,
 * mysql/MysqlPassword.checkPassword (ERR_PASSWD_LENGTH); errors of the analyzer reach clients as
 * SemanticException.getMessage words them. Passwords are kept as MySQL's `*` + hex SHA1(SHA1(pw)).
 */
const temp = useTempDirs('account-statements');
let c: TestCluster;
const analyzing = (detail: string) => `Getting analyzing error. Detail message: ${detail}.`;
const nativeHash = (pw: string) => {
  const once = createHash('sha1').update(pw).digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
};

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
});
afterAll(async () => c?.close());

describe('users', () => {
  it('starts with root alone, and lists created users as StarRocks shows them', async () => {
    expect(await c.sql('SHOW USERS')).toEqual([{ columns: ['User'], rows: [["'root'@'%'"]] }]);
    await c.sql("CREATE USER alice IDENTIFIED BY 'a-pw'; CREATE USER 'bob'@'192.168.%'; CREATE USER carol@'10.0.0.7' IDENTIFIED WITH mysql_native_password AS '" + nativeHash('c-pw') + "'");
    // Login order: exact host, host pattern, then '%'.
    expect(await c.rows('SHOW USERS')).toEqual([["'carol'@'10.0.0.7'"], ["'bob'@'192.168.%'"], ["'alice'@'%'"], ["'root'@'%'"]]);
  });

  it('keeps only the mysql_native_password hash, never the password', async () => {
    const accounts = new AccountStore(c.ctx.catalog.table);
    expect(await accounts.get({ user: 'alice', host: '%' })).toEqual({ user: 'alice', host: '%', passwordHash: nativeHash('a-pw') });
    expect(await accounts.get({ user: 'bob', host: '192.168.%' })).toMatchObject({ passwordHash: '' });
    expect(await accounts.get({ user: 'carol', host: '10.0.0.7' })).toMatchObject({ passwordHash: nativeHash('c-pw') });
    const stored = JSON.stringify(await c.ctx.catalog.table.query('USERS'));
    expect(stored).not.toContain('a-pw');
    expect(stored).not.toContain('c-pw');
  });

  it('refuses an existing user, unless IF NOT EXISTS, and root, which always exists', async () => {
    expect(await c.error("CREATE USER alice IDENTIFIED BY 'x'")).toBe(analyzing("user 'alice'@'%' already exists!"));
    expect(await c.error('CREATE USER root')).toBe(analyzing("user 'root'@'%' already exists!"));
    await c.sql("CREATE USER IF NOT EXISTS alice IDENTIFIED BY 'other'");
    expect((await new AccountStore(c.ctx.catalog.table).get({ user: 'alice', host: '%' }))?.passwordHash).toBe(nativeHash('a-pw'));
  });

  it('refuses bad names, hashes and plugins', async () => {
    expect(await c.error("CREATE USER 'a b'")).toBe(analyzing('invalid user name: a b'));
    expect(await c.error("CREATE USER ''")).toBe(analyzing('Does not support anonymous user'));
    expect(await c.error("CREATE USER u@'10.0.0.1 or 1'")).toBe(analyzing("invalid host: 10.0.0.1 or 1: a host is an IP address or name, with % and _ as wildcards"));
    expect(await c.error("CREATE USER u IDENTIFIED BY PASSWORD 'abc'")).toBe('Password hash should be a 41-digit hexadecimal number');
    expect(await c.error("CREATE USER u IDENTIFIED WITH authentication_ldap_simple AS 'cn=u'")).toBe(
      "Authentication plugin authentication_ldap_simple is not supported by starbackup: use mysql_native_password (IDENTIFIED BY 'password') or aws_iam (IDENTIFIED WITH aws_iam AS '<IAM user or role ARN>')",
    );
    expect(await c.rows('SHOW USERS')).not.toContainEqual(["'u'@'%'"]);
  });

  it('changes a password with ALTER USER and SET PASSWORD, refusing an unknown user', async () => {
    const accounts = new AccountStore(c.ctx.catalog.table);
    await c.sql("ALTER USER alice IDENTIFIED BY 'new-pw'");
    expect((await accounts.get({ user: 'alice', host: '%' }))?.passwordHash).toBe(nativeHash('new-pw'));
    await c.sql("SET PASSWORD FOR 'bob'@'192.168.%' = PASSWORD('b-pw')");
    expect((await accounts.get({ user: 'bob', host: '192.168.%' }))?.passwordHash).toBe(nativeHash('b-pw'));
    expect(await c.error("ALTER USER nobody IDENTIFIED BY 'x'")).toBe(analyzing("cannot find user 'nobody'@'%'!"));
    expect(await c.error("ALTER USER 'alice'@'10.%' IDENTIFIED BY 'x'")).toBe(analyzing("cannot find user 'alice'@'10.%'!"));
    expect(await c.error("SET PASSWORD FOR nobody = PASSWORD('x')")).toBe(analyzing("cannot find user 'nobody'@'%'!"));
    await c.sql("ALTER USER IF EXISTS nobody IDENTIFIED BY 'x'");
    expect(await c.rows('SHOW USERS')).not.toContainEqual(["'nobody'@'%'"]);
  });

  it("gives root a password, and SET PASSWORD without FOR changes the connected user's own", async () => {
    const accounts = new AccountStore(c.ctx.catalog.table);
    const login = accountAuthenticator(accounts);
    expect(await login.findAccount('root', '127.0.0.1')).toEqual({ user: 'root', host: '%', password: { kind: 'empty' } });
    await c.sql("ALTER USER root IDENTIFIED BY 'r-pw'");
    expect((await login.findAccount('root', '127.0.0.1'))?.password).toMatchObject({ kind: 'native' });
    expect(await c.rows('SHOW USERS')).toContainEqual(["'root'@'%'"]);
    const [o] = await runScript(c.ctx, "SET PASSWORD = PASSWORD('a-own')", { session: { user: { name: 'alice', host: '%' } } });
    expect(o!.error).toBeUndefined();
    expect((await accounts.get({ user: 'alice', host: '%' }))?.passwordHash).toBe(nativeHash('a-own'));
    await c.sql("SET PASSWORD = PASSWORD('')");
    expect(await login.findAccount('root', '127.0.0.1')).toEqual({ user: 'root', host: '%', password: { kind: 'empty' } });
  });

  it('matches a login to the most specific host, and to nothing outside every pattern', async () => {
    const login = accountAuthenticator(new AccountStore(c.ctx.catalog.table));
    await c.sql("CREATE USER 'bob'@'192.168.1.5' IDENTIFIED BY 'exact'");
    expect(await login.findAccount('bob', '192.168.1.5')).toMatchObject({ host: '192.168.1.5' });
    expect(await login.findAccount('bob', '192.168.7.1')).toMatchObject({ host: '192.168.%' });
    expect(await login.findAccount('bob', '10.1.1.1')).toBeUndefined();
    expect(await login.findAccount('carol', '10.0.0.7')).toMatchObject({ host: '10.0.0.7' });
    expect(await login.findAccount('carol', '10.0.0.70')).toBeUndefined();
    expect(await login.findAccount('Alice', '127.0.0.1')).toBeUndefined();
  });

  it('drops users, never root', async () => {
    expect(await c.error('DROP USER root')).toBe(analyzing("Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'"));
    expect(await c.error("DROP USER 'root'@'%'")).toBe(analyzing("Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'"));
    expect(await c.error('DROP USER nobody')).toBe(analyzing("cannot find user 'nobody'@'%'!"));
    expect(await c.error("DROP USER 'bob'")).toBe(analyzing("cannot find user 'bob'@'%'!"));
    await c.sql("DROP USER IF EXISTS nobody; DROP USER 'bob'@'192.168.1.5'");
    expect(await c.rows('SHOW USERS')).not.toContainEqual(["'bob'@'192.168.1.5'"]);
    expect(await c.rows('SHOW USERS')).toContainEqual(["'bob'@'192.168.%'"]);
  });
});

describe('passwords never come back', () => {
  it('masks them in the statements and errors the API and --json echo', async () => {
    const res = await executeSqlRequest(c.ctx, { sql: "CREATE USER dave IDENTIFIED BY 'd-pw'; CREATE USER dave IDENTIFIED BY 'd-pw2'" });
    const body = JSON.stringify(res.body);
    expect(body).not.toContain('d-pw');
    expect(res.body.results?.[0]?.statement).toBe("CREATE USER dave IDENTIFIED BY '***'");
    expect(res.body.error).toMatchObject({ statement: "CREATE USER dave IDENTIFIED BY '***'", message: analyzing("user 'dave'@'%' already exists!") });
    const outcomes = await c.run("ALTER USER dave IDENTIFIED BY 'd-pw3'; SET PASSWORD FOR dave = PASSWORD('d-pw4'); SET PASSWORD FOR ghost = PASSWORD('d-pw5')");
    expect(outcomes.map((o) => o.statement)).toEqual([
      "ALTER USER dave IDENTIFIED BY '***'", "SET PASSWORD FOR dave = PASSWORD('***')", "SET PASSWORD FOR ghost = PASSWORD('***')",
    ]);
    expect(JSON.stringify(outcomes)).not.toContain('d-pw');
  });
});
