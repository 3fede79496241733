import { mkdirSync, readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startServer } from '../../bin/serve.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * HTTP Basic with a user of the catalog on `serve`'s HTTP API, next to the bearer token, against a real
 * server and node:http as the client. StarRocks' FE HTTP API takes HTTP Basic with a user and password
 * (fe-core http/BaseAction.getAuthorizationInfo/checkPassword); a refused login says ERR_ACCESS_DENIED_ERROR's
 * `Access denied for user 'u'@'host' (using password: YES|NO)` (fe-core common/ErrorCode.java), the same for
 * a wrong password and an unknown user.
 */
const temp = useTempDirs('serve-basic-auth');
let server: LocalServer;
let url: string;
let token: string;
const CHALLENGE = 'Basic realm="starbackup", Bearer';
const MALFORMED = 'Malformed "Authorization: Basic" header: expected the base64 of user:password';
const denied = (user: string, usingPassword = true) => `Access denied for user '${user}'@'127.0.0.1' (using password: ${usingPassword ? 'YES' : 'NO'})`;
const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

function post(sql: string, authorization?: string): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; body: any }> {
  const headers = { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ sql }));
  });
}

const currentUser = async (authorization: string) => {
  const r = await post('SELECT CURRENT_USER()', authorization);
  expect(r.status, r.text).toBe(200);
  return r.body.results[0].rows[0][0] as string;
};

async function expectRefused(authorization: string | undefined, message: string) {
  const r = await post('SELECT 1', authorization);
  expect(r.status).toBe(401);
  expect(r.headers['www-authenticate']).toBe(CHALLENGE);
  expect(r.body.error).toEqual({ code: 'UnauthorizedError', message });
}

beforeAll(async () => {
  const home = join(await temp.make(), 'home');
  mkdirSync(home, { recursive: true });
  server = await startServer({ home, port: 0 });
  url = `http://127.0.0.1:${server.port}/v1/sql`;
  token = readFileSync(server.tokenFile, 'utf8').trim();
  const setup = await post("CREATE USER alice IDENTIFIED BY 'Al1ce:pw'; CREATE USER 'far'@'10.%' IDENTIFIED BY 'far-pw'", `Bearer ${token}`);
  expect(setup.status, setup.text).toBe(200);
});

afterAll(async () => {
  await server?.close();
});

describe('serve takes HTTP Basic with a user of the catalog', () => {
  it('runs the statements as the account a right password logs in to', async () => {
    // The password holds a colon: only the first one splits user from password (RFC 7617).
    expect(await currentUser(basic('alice:Al1ce:pw'))).toBe("'alice'@'%'");
    const r = await post('SELECT 1', `basic  ${Buffer.from('alice:Al1ce:pw').toString('base64')}`);
    expect(r.status).toBe(200);
  });

  it('refuses a wrong password and an unknown user alike, with no password in the answer', async () => {
    const wrong = await post('SELECT 1', basic('alice:Al1ce:pX'));
    expect(wrong.text).not.toContain('Al1ce');
    await expectRefused(basic('alice:Al1ce:pX'), denied('alice'));
    await expectRefused(basic('alice:'), denied('alice', false));
    await expectRefused(basic('Alice:Al1ce:pw'), denied('Alice'));
    await expectRefused(basic('nobody:whatever'), denied('nobody'));
    // 'far'@'10.%' does not match a client at 127.0.0.1, whatever the password.
    await expectRefused(basic('far:far-pw'), denied('far'));
    await expectRefused(basic(`alice:${'x'.repeat(2000)}`), denied('alice'));
  });

  it('refuses a malformed Basic header', async () => {
    await expectRefused('Basic !!!not-base64!!!', MALFORMED);
    await expectRefused('Basic YWxpY2U', MALFORMED); // unpadded
    await expectRefused(basic('alice'), MALFORMED); // no colon
    await expectRefused(basic(':Al1ce:pw'), MALFORMED); // no user
    await expectRefused('Basic', MALFORMED);
    await expectRefused(`Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, MALFORMED); // not UTF-8
  });

  it('keeps the bearer token, which is root', async () => {
    expect(await currentUser(`Bearer ${token}`)).toBe("'root'@'%'");
    const none = 'Missing or wrong credentials: send "Authorization: Bearer <token>" with the token in <home>/server-token, or "Authorization: Basic base64(user:password)" with a user\'s password';
    await expectRefused(undefined, none);
    await expectRefused(`Bearer ${'f'.repeat(64)}`, none);
    await expectRefused('Digest username="alice"', none);
  });

  it("checks each statement against the user's privileges, as StarRocks' FE does for its HTTP API", async () => {
    // fe-core common/ErrorCode.ERR_ACCESS_DENIED; sql/analyzer/AuthorizerStmtVisitor.visitCreateDbStatement.
    const alice = basic('alice:Al1ce:pw');
    const refused = await post('CREATE DATABASE alice_db', alice);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'AccessDeniedError', errno: 5203, sqlstate: '42000',
      message: 'Access denied; you need (at least one of) the CREATE DATABASE privilege(s) on CATALOG default_catalog for this operation. ' +
        'Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.',
    });
    const grant = await post("GRANT CREATE DATABASE ON CATALOG default_catalog TO USER alice", `Bearer ${token}`);
    expect(grant.status, grant.text).toBe(200);
    const allowed = await post('CREATE DATABASE alice_db', alice);
    expect(allowed.status, allowed.text).toBe(200);
    // A bearer-token request is root and passes every check.
    expect((await post('DROP DATABASE alice_db', `Bearer ${token}`)).status).toBe(200);
  });

  it('lets root in with an empty password only until ALTER USER root gives it one, as the MySQL door does', async () => {
    expect(await currentUser(basic('root:'))).toBe("'root'@'%'");
    await expectRefused(basic('root:guess'), denied('root'));
    const alter = await post("ALTER USER root IDENTIFIED BY 'R00t-pw'", basic('root:'));
    expect(alter.status, alter.text).toBe(200);
    await expectRefused(basic('root:'), denied('root', false));
    expect(await currentUser(basic('root:R00t-pw'))).toBe("'root'@'%'");
    // The bearer token stays root's whatever root's password.
    expect(await currentUser(`Bearer ${token}`)).toBe("'root'@'%'");
  });
});
