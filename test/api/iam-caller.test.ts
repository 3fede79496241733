import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiHandler } from '../../functions/api.ts';
import { accountAuthenticator } from '../../lib/access/account-authenticator.ts';
import { AccountStore } from '../../lib/access/account-store.ts';
import { rootPrincipalsFromEnv } from '../../lib/api/iam-caller.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';

vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });

/**
 * IAM principals bound to StarRocks users, over a real dynalite. The binding follows StarRocks' authOption
 * (fe-core sql/parser/StarRocks.g4: `IDENTIFIED WITH authPlugin AS string`, as its LDAP plugin takes a DN);
 * the plugin name aws_iam is starbackup's. Callers come as API Gateway's IAM authorizer hands them
 * (requestContext.authorizer.iam.userArn).
 */
const temp = useTempDirs('iam-caller');
let c: TestCluster;
const analyzing = (detail: string) => `Getting analyzing error. Detail message: ${detail}.`;
const ACCT = '123456789012';
const ADMIN = `arn:aws:iam::${ACCT}:role/StarbackupAdmin`;

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
});
afterAll(async () => c?.close());

function event(callerArn: string, sql: string): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: '2.0', routeKey: 'POST /v1/sql', rawPath: '/v1/sql', rawQueryString: '', headers: {}, isBase64Encoded: false,
    body: JSON.stringify({ sql }),
    requestContext: { authorizer: { iam: { accountId: ACCT, userArn: callerArn } } },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

async function call(callerArn: string, sql: string) {
  const r = await apiHandler(async () => c.ctx, [ADMIN])(event(callerArn, sql));
  return { status: r.statusCode!, body: JSON.parse(r.body!) };
}
const whoAmI = async (callerArn: string) => call(callerArn, 'SELECT CURRENT_USER()');

describe('binding an IAM principal to a user', () => {
  it('keeps the ARN and no password; SHOW USERS shows the user as any other', async () => {
    await c.sql(`CREATE USER ops IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/ops-team/Ops'; CREATE USER dba IDENTIFIED WITH AWS_IAM AS 'arn:aws:iam::${ACCT}:user/dba'`);
    const accounts = new AccountStore(c.ctx.catalog.table);
    expect(await accounts.get({ user: 'ops', host: '%' })).toEqual({ user: 'ops', host: '%', passwordHash: '', iamPrincipal: `arn:aws:iam::${ACCT}:role/ops-team/Ops` });
    expect(await c.rows('SHOW USERS')).toEqual([["'dba'@'%'"], ["'ops'@'%'"], ["'root'@'%'"]]);
  });

  it('refuses a second user for the same principal, naming the first', async () => {
    // The same role, written without its path: IAM role names are unique in an account.
    expect(await c.error(`CREATE USER ops2 IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/Ops'`)).toBe(analyzing(
      `IAM principal arn:aws:iam::${ACCT}:role/Ops is already bound to user 'ops'@'%'; an IAM principal maps to one user: DROP USER 'ops'@'%' or ALTER USER 'ops'@'%' IDENTIFIED BY '…' first`));
    await c.sql("CREATE USER carol IDENTIFIED BY 'c-pw'");
    expect(await c.error(`ALTER USER carol IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:user/dba'`)).toContain("is already bound to user 'dba'@'%'");
    // IF NOT EXISTS on an existing user is a no-op, whatever it names.
    await c.sql(`CREATE USER IF NOT EXISTS carol IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:user/dba'`);
    expect(await new AccountStore(c.ctx.catalog.table).get({ user: 'carol', host: '%' })).not.toHaveProperty('iamPrincipal');
    // Binding a user again to its own principal is no second binding.
    await c.sql(`ALTER USER ops IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/ops-team/Ops'`);
    expect(await c.rows('SHOW USERS')).not.toContainEqual(["'ops2'@'%'"]);
  });

  it('refuses what is no single IAM user or role, with a message', async () => {
    expect(await c.error(`CREATE USER x IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/*'`)).toBe(
      analyzing(`IAM principal ARN 'arn:aws:iam::${ACCT}:role/*' has a wildcard: a binding names exactly one IAM user or role`));
    expect(await c.error(`CREATE USER x IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:root'`)).toContain(`invalid IAM principal ARN 'arn:aws:iam::${ACCT}:root'`);
    expect(await c.error(`CREATE USER x IDENTIFIED WITH aws_iam AS 'arn:aws:sts::${ACCT}:assumed-role/Ops/s1'`)).toContain(`bind the role itself, arn:aws:iam::${ACCT}:role/Ops`);
    const takesArn = analyzing("aws_iam takes the principal's ARN: IDENTIFIED WITH aws_iam AS 'arn:aws:iam::<account>:role/<name>'");
    expect(await c.error(`CREATE USER x IDENTIFIED WITH aws_iam BY 'arn:aws:iam::${ACCT}:role/X'`)).toBe(takesArn);
    expect(await c.error('CREATE USER x IDENTIFIED WITH aws_iam')).toBe(takesArn);
    expect(await c.rows('SHOW USERS')).not.toContainEqual(["'x'@'%'"]);
  });
});

describe('an IAM-bound user has no password login', () => {
  it('on the MySQL door or HTTP Basic: no account matches, even with the empty password', async () => {
    const accounts = new AccountStore(c.ctx.catalog.table);
    expect(await accounts.match('ops', '127.0.0.1')).toBeUndefined();
    expect(await accountAuthenticator(accounts).findAccount('dba', '10.0.0.1')).toBeUndefined();
    expect(await accounts.match('carol', '127.0.0.1')).toMatchObject({ user: 'carol' });
  });

  it('and SET PASSWORD does not give it one; ALTER USER … IDENTIFIED BY does, and ends the binding', async () => {
    expect(await c.error("SET PASSWORD FOR ops = PASSWORD('x')")).toBe(analyzing(
      "user 'ops'@'%' authenticates with aws_iam and has no password; ALTER USER 'ops'@'%' IDENTIFIED BY '…' gives it one instead"));
    await c.sql(`CREATE USER temp IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:user/temp'`);
    expect((await whoAmI(`arn:aws:iam::${ACCT}:user/temp`)).body.results[0].rows).toEqual([["'temp'@'%'"]]);
    await c.sql("ALTER USER temp IDENTIFIED BY 't-pw'");
    const accounts = new AccountStore(c.ctx.catalog.table);
    expect(await accounts.get({ user: 'temp', host: '%' })).not.toHaveProperty('iamPrincipal');
    expect(await accounts.match('temp', '127.0.0.1')).toMatchObject({ user: 'temp' });
    // A password account is out of IAM's reach.
    expect((await whoAmI(`arn:aws:iam::${ACCT}:user/temp`)).status).toBe(403);
  });
});

describe('the cloud API runs a caller as its bound user', () => {
  it('an IAM user, and a role session as its role (bound with a path)', async () => {
    expect(await whoAmI(`arn:aws:iam::${ACCT}:user/dba`)).toMatchObject({ status: 200, body: { results: [{ rows: [["'dba'@'%'"]] }] } });
    expect(await whoAmI(`arn:aws:sts::${ACCT}:assumed-role/Ops/alice@example.com`)).toMatchObject({ status: 200, body: { results: [{ rows: [["'ops'@'%'"]] }] } });
  });

  it('with that user\'s privileges, and StarRocks\' access-denied message', async () => {
    const denied = await call(`arn:aws:sts::${ACCT}:assumed-role/Ops/alice`, 'CREATE DATABASE ops_db');
    expect(denied.status).toBe(403);
    // StarRocks: CREATE DATABASE needs CREATE DATABASE on the catalog (AuthorizerStmtVisitor.visitCreateDbStatement).
    expect(denied.body.error).toMatchObject({ code: 'AccessDeniedError', message: expect.stringMatching(/^Access denied; you need \(at least one of\) the CREATE DATABASE privilege\(s\) on CATALOG default_catalog for this operation/) });
    await c.sql('GRANT CREATE DATABASE ON CATALOG default_catalog TO USER ops');
    expect((await call(`arn:aws:sts::${ACCT}:assumed-role/Ops/alice`, 'CREATE DATABASE ops_db')).status).toBe(200);
  });

  it('the stack\'s root principals as root, whatever role session they come in by', async () => {
    expect(await whoAmI(`arn:aws:sts::${ACCT}:assumed-role/StarbackupAdmin/deploy`)).toMatchObject({ status: 200, body: { results: [{ rows: [["'root'@'%'"]] }] } });
  });

  it('gives an unbound principal nothing: 403, naming the principal and how to bind it', async () => {
    const r = await call(`arn:aws:sts::${ACCT}:assumed-role/Analyst/bob`, 'CREATE DATABASE nope');
    expect(r).toEqual({ status: 403, body: { error: { code: 'ForbiddenError', message:
      `IAM principal arn:aws:iam::${ACCT}:role/Analyst (the caller arn:aws:sts::${ACCT}:assumed-role/Analyst/bob) is not bound to any StarRocks user, so it may run nothing; `
      + `a user_admin binds it with CREATE USER '<name>' IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/Analyst' (or ALTER USER '<name>' IDENTIFIED WITH aws_iam AS 'arn:aws:iam::${ACCT}:role/Analyst')` } } });
    expect(await c.rows('SHOW DATABASES')).not.toContainEqual(['nope']);
    const user = await call(`arn:aws:iam::${ACCT}:user/nobody`, 'SELECT 1');
    expect(user.body.error.message).toMatch(new RegExp(`^IAM principal arn:aws:iam::${ACCT}:user/nobody is not bound to any StarRocks user`));
  });

  it('refuses callers that can be no user: the account root, a federated user', async () => {
    const r = await whoAmI(`arn:aws:iam::${ACCT}:root`);
    expect(r).toEqual({ status: 403, body: { error: { code: 'ForbiddenError', message:
      `IAM principal arn:aws:iam::${ACCT}:root cannot be a StarRocks user: only IAM users and roles (their assumed-role sessions) can be bound to one` } } });
    expect((await whoAmI(`arn:aws:sts::${ACCT}:federated-user/bob`)).status).toBe(403);
  });

  it('refuses a principal two bindings raced to: which user it is would be a guess', async () => {
    // Two CREATE USER racing past each other's check: written directly, as the second conditional put would.
    await new AccountStore(c.ctx.catalog.table).create({ user: 'dba2', host: '%', passwordHash: '', iamPrincipal: `arn:aws:iam::${ACCT}:user/dba` });
    const r = await whoAmI(`arn:aws:iam::${ACCT}:user/dba`);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe(`IAM principal arn:aws:iam::${ACCT}:user/dba is bound to more than one user ('dba'@'%', 'dba2'@'%'); a user_admin must ALTER or DROP all but one`);
    await c.sql('DROP USER dba2');
    expect((await whoAmI(`arn:aws:iam::${ACCT}:user/dba`)).status).toBe(200);
  });
});

describe('the root principals of the environment', () => {
  it('are a JSON array of IAM user or role ARNs, checked as bindings are', () => {
    expect(rootPrincipalsFromEnv({})).toEqual([]);
    expect(rootPrincipalsFromEnv({ ROOT_PRINCIPAL_ARNS: JSON.stringify([ADMIN]) })).toEqual([{ partition: 'aws', account: ACCT, kind: 'role', name: 'StarbackupAdmin' }]);
    expect(() => rootPrincipalsFromEnv({ ROOT_PRINCIPAL_ARNS: '["arn:aws:iam::123456789012:role/*"]' })).toThrow(
      'environment variable ROOT_PRINCIPAL_ARNS must be a JSON array of IAM user or role ARNs: Getting analyzing error. Detail message: IAM principal ARN');
    expect(() => rootPrincipalsFromEnv({ ROOT_PRINCIPAL_ARNS: ADMIN })).toThrow('must be a JSON array');
  });
});
