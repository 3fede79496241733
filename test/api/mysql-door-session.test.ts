import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { PYTHON, mariadb, requireMysqlClients, runWithInput } from '../support/mysql-clients.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * The session queries clients send on their own when they connect (the mariadb client's interactive
 * start, pymysql's `SET AUTOCOMMIT`, mysql2's pool checks), answered as StarRocks answers them:
 * @@version_comment names starbackup and says StarRocks-compatible (StarRocks puts its own build there,
 * fe-core's GlobalVariable.versionComment, which we are not), DATABASE() is
 * NULL until USE, CURRENT_USER() is 'root'@'%'. The statements themselves live in lib/sql and
 * lib/statements; this file checks that they flow through the MySQL door.
 */
const temp = useTempDirs('mysql-door-session');
let server: LocalServer;

beforeAll(async () => {
  requireMysqlClients();
  server = await startServer({ home: join(await temp.make(), 'home'), port: 0, mysqlPort: 0 });
});

afterAll(async () => {
  await server?.close();
});

describe('session queries through the MySQL door', () => {
  it('answers DATABASE() and CURRENT_USER() to the mariadb client as StarRocks does', async () => {
    const r = await mariadb(server.mysqlPort!, ['--table'], 'CREATE DATABASE s;\nSELECT DATABASE();\nUSE s;\nSELECT DATABASE(), CURRENT_USER();\n');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\| DATABASE\(\) \|\n\+-+\+\n\| NULL +\|/);
    expect(r.stdout).toMatch(/\| s +\| 'root'@'%' +\|/);
  });

  it('answers mysql2: @@version_comment, SET NAMES, SHOW VARIABLES LIKE', async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: server.mysqlPort!, user: 'root' });
    try {
      const [version] = await c.query({ sql: 'SELECT @@version_comment LIMIT 1', rowsAsArray: true });
      expect((version as string[][])[0]![0]).toMatch(/^starbackup \d+\.\d+\.\d+ \(StarRocks-compatible\)$/);
      await c.query('SET NAMES utf8mb4');
      await c.query('SET autocommit=1');
      const [vars] = await c.query({ sql: "SHOW VARIABLES LIKE 'autocommit'", rowsAsArray: true });
      expect((vars as string[][])[0]![0]).toBe('autocommit');
      // A driver sizes its packets by @@max_allowed_packet: it must be the limit the door enforces.
      const [packet] = await c.query({ sql: 'SELECT @@max_allowed_packet', rowsAsArray: true });
      const info = JSON.parse(readFileSync(join(server.home, 'server.json'), 'utf8')) as { limits: { maxBodyBytes: number } };
      expect(Number((packet as string[][])[0]![0])).toBe(info.limits.maxBodyBytes);
    } finally {
      await c.end();
    }
  });

  it('lets pymysql connect with its defaults (it sends SET AUTOCOMMIT = 0)', async () => {
    const r = await runWithInput(PYTHON, ['-'], `
import pymysql
c = pymysql.connect(host='127.0.0.1', port=${server.mysqlPort}, user='root')
cur = c.cursor()
cur.execute('SELECT CURRENT_USER()')
print(cur.fetchall()[0][0])
`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe("'root'@'%'");
  });
});
