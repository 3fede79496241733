import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { mariadb, requireMysqlClients } from '../support/mysql-clients.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * A user bound to an IAM principal (`IDENTIFIED WITH aws_iam AS '<arn>'`) authenticates only through the
 * cloud API's IAM authorizer: `serve`'s doors, which take passwords, never let it in, not even with the empty
 * password its record keeps. A refused login says ERR_ACCESS_DENIED_ERROR (fe-core common/ErrorCode.java,
 * 1045/28000) as for a wrong password. Real clients: mariadb and mysql2 on the MySQL door, node:http with
 * HTTP Basic on the HTTP API.
 */
const temp = useTempDirs('iam-account-doors');
let server: LocalServer;
let url: string;
const ARN = 'arn:aws:iam::123456789012:role/Ops';
const denied = (user: string, usingPassword: boolean) => `Access denied for user '${user}'@'127.0.0.1' (using password: ${usingPassword ? 'YES' : 'NO'})`;

function post(sql: string, authorization: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ sql }));
  });
}
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

beforeAll(async () => {
  requireMysqlClients();
  const home = join(await temp.make(), 'home');
  mkdirSync(home, { recursive: true });
  server = await startServer({ home, port: 0, mysqlPort: 0 });
  url = `http://127.0.0.1:${server.port}/v1/sql`;
  const token = readFileSync(server.tokenFile, 'utf8').trim();
  const setup = await post(`CREATE USER ops IDENTIFIED WITH aws_iam AS '${ARN}'; CREATE USER pw_user IDENTIFIED BY 'pw'`, `Bearer ${token}`);
  expect(setup.status, JSON.stringify(setup.body)).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

describe('an IAM-bound user on the doors that take passwords', () => {
  it('is refused on the MySQL door, with or without a password (mariadb)', async () => {
    const port = server.mysqlPort!;
    expect((await mariadb(port, ['-uops', '-e', 'SELECT 1'])).stderr.trim()).toBe(`ERROR 1045 (28000): ${denied('ops', false)}`);
    expect((await mariadb(port, ['-uops', `-p${ARN}`, '-e', 'SELECT 1'])).stderr.trim()).toBe(`ERROR 1045 (28000): ${denied('ops', true)}`);
    // A password user next to it still logs in.
    expect((await mariadb(port, ['-upw_user', '-ppw', '--batch', '-e', 'SELECT CURRENT_USER()'])).stdout).toBe("CURRENT_USER()\n'pw_user'@'%'\n");
  });

  it('is refused on the MySQL door with the empty password (mysql2)', async () => {
    await expect(mysql.createConnection({ host: '127.0.0.1', port: server.mysqlPort!, user: 'ops', password: '' })).rejects.toMatchObject({
      errno: 1045, message: denied('ops', false),
    });
  });

  it('is refused by HTTP Basic, with or without a password', async () => {
    for (const [credentials, usingPassword] of [['ops:', false], [`ops:${ARN}`, true]] as const) {
      const r = await post('SELECT 1', basic(credentials));
      expect(r).toEqual({ status: 401, body: { error: { code: 'UnauthorizedError', message: denied('ops', usingPassword) } } });
    }
  });
});
