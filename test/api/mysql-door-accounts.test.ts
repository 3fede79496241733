import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { mariadb, mariadbPluginDir, requireMysqlClients } from '../support/mysql-clients.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * Accounts on the MySQL door with real clients: the mariadb client (mysql_native_password, and the auth
 * switch from caching_sha2_password) and mysql2. StarRocks' wording: fe-core common/ErrorCode.java
 * ERR_ACCESS_DENIED_ERROR (1045/28000) for a failed login; sql/analyzer/AuthenticationAnalyzer for the
 * statements' errors; CURRENT_USER() as UserIdentity.toString, `'u'@'%'`.
 */
const temp = useTempDirs('mysql-door-accounts');
let server: LocalServer;
let home: string;
let port: number;
const denied = (user: string, usingPassword: boolean) =>
  `ERROR 1045 (28000): Access denied for user '${user}'@'127.0.0.1' (using password: ${usingPassword ? 'YES' : 'NO'})`;
const switchToNative = () => ['--default-auth=caching_sha2_password', `--plugin-dir=${mariadbPluginDir()}`];

beforeAll(async () => {
  requireMysqlClients();
  home = join(await temp.make(), 'home');
  mkdirSync(home, { recursive: true });
  server = await startServer({ home, port: 0, mysqlPort: 0 });
  port = server.mysqlPort!;
  expect(server.rootPasswordEmpty).toBe(true);
  const setup = await mariadb(port, ['--batch'], `CREATE USER alice IDENTIFIED BY 'Al1ce-pw';
    CREATE USER 'local'@'127.0.0.%' IDENTIFIED BY 'loopback';
    CREATE USER 'far'@'10.%' IDENTIFIED BY 'far-pw';`);
  expect(setup.stderr).toBe('');
});

afterAll(async () => {
  await server?.close();
});

describe('the MySQL door checks passwords', () => {
  it('logs a user in with its password, as that account, and refuses a wrong or missing one', async () => {
    const ok = await mariadb(port, ['-ualice', '-pAl1ce-pw', '--batch', '-e', 'SELECT CURRENT_USER(), USER()']);
    expect(ok).toMatchObject({ status: 0, stderr: '' });
    expect(ok.stdout).toBe("CURRENT_USER()\tUSER()\n'alice'@'%'\t'alice'@'%'\n");
    expect((await mariadb(port, ['-ualice', '-pwrong', '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('alice', true));
    expect((await mariadb(port, ['-ualice', '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('alice', false));
    expect((await mariadb(port, ['-uAlice', '-pAl1ce-pw', '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('Alice', true));
  });

  it('matches the client address against host patterns', async () => {
    const local = await mariadb(port, ['-ulocal', '-ploopback', '--batch', '-e', 'SELECT CURRENT_USER()']);
    expect(local.stdout).toBe("CURRENT_USER()\n'local'@'127.0.0.%'\n");
    expect((await mariadb(port, ['-ufar', '-pfar-pw', '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('far', true));
  });

  it('switches a caching_sha2_password client to mysql_native_password and checks its password', async () => {
    const ok = await mariadb(port, [...switchToNative(), '-ualice', '-pAl1ce-pw', '--batch', '-e', 'SELECT CURRENT_USER()']);
    expect(ok).toMatchObject({ status: 0, stderr: '' });
    expect(ok.stdout).toBe("CURRENT_USER()\n'alice'@'%'\n");
    const wrong = await mariadb(port, [...switchToNative(), '-ualice', '-pAl1ce-pX', '-e', 'SELECT 1']);
    expect(wrong.stderr.trim()).toBe(denied('alice', true));
  });

  it('checks the password mysql2 sends', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 'Al1ce-pw' });
    try {
      const [rows] = await c.query('SELECT CURRENT_USER() AS who');
      expect(rows).toEqual([{ who: "'alice'@'%'" }]);
    } finally {
      await c.end();
    }
    await expect(mysql.createConnection({ host: '127.0.0.1', port, user: 'alice', password: 'nope' })).rejects.toMatchObject({
      errno: 1045, sqlState: '28000', message: "Access denied for user 'alice'@'127.0.0.1' (using password: YES)",
    });
  });

  it('answers account errors with StarRocks\' messages and no password in them', async () => {
    // The client itself echoes a failed -e statement before the error line; the server's answer is the last line.
    const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);
    const dup = await mariadb(port, ['-e', "CREATE USER alice IDENTIFIED BY 'zz-Secret-9'"]);
    expect(lastLine(dup)).toBe("ERROR 1064 (HY000) at line 1: Getting analyzing error. Detail message: user 'alice'@'%' already exists!.");
    const root = await mariadb(port, ['-e', 'DROP USER root']);
    expect(lastLine(root)).toBe("ERROR 1064 (HY000) at line 1: Getting analyzing error. Detail message: Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'.");
    const hash = await mariadb(port, ['-e', "CREATE USER h IDENTIFIED BY PASSWORD '*zz-Secret-9'"]);
    expect(lastLine(hash)).toBe('ERROR 1372 (HY000) at line 1: Password hash should be a 41-digit hexadecimal number');
    const users = await mariadb(port, ['--batch', '-e', 'SHOW USERS']);
    expect(users.stdout).toBe("User\n'far'@'10.%'\n'local'@'127.0.0.%'\n'alice'@'%'\n'root'@'%'\n");
  });

  it('guards root once ALTER USER gives it a password, across a restart', async () => {
    const set = await mariadb(port, ['-e', "ALTER USER root IDENTIFIED BY 'R00t-pw'"]);
    expect(set).toMatchObject({ status: 0, stderr: '' });
    expect((await mariadb(port, ['-e', 'SELECT 1'])).stderr.trim()).toBe(denied('root', false));
    expect((await mariadb(port, [...switchToNative(), '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('root', false));
    await server.close();
    server = await startServer({ home, port: 0, mysqlPort: 0 });
    port = server.mysqlPort!;
    expect(server.rootPasswordEmpty).toBe(false);
    expect((await mariadb(port, ['-uroot', '-pwrong', '-e', 'SELECT 1'])).stderr.trim()).toBe(denied('root', true));
    const ok = await mariadb(port, ['-uroot', '-pR00t-pw', '--batch', '-e', 'SELECT CURRENT_USER()']);
    expect(ok.stdout).toBe("CURRENT_USER()\n'root'@'%'\n");
    // Any connected user may change any password until privileges exist (the next step of issue 15).
    const mine = await mariadb(port, ['-ualice', '-pAl1ce-pw', '-e', "SET PASSWORD = PASSWORD('Al1ce-2')"]);
    expect(mine).toMatchObject({ status: 0, stderr: '' });
    expect((await mariadb(port, ['-ualice', '-pAl1ce-2', '-e', 'SELECT 1'])).status).toBe(0);
  });
});
