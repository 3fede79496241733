import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Embedded, openEmbedded } from '../../bin/embedded-runtime.ts';
import { apiDeadline, apiHandler } from '../../functions/api.ts';
import { InternalError } from '../../lib/domain/errors.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

// The 500 case logs through Powertools; keep the test output clean.
vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });

const temp = useTempDirs('api');
let embedded: Embedded;
let handle: ReturnType<typeof apiHandler>;
const DBA = 'arn:aws:iam::123456789012:user/dba';

beforeAll(async () => {
  embedded = await openEmbedded(await temp.make());
  // The caller of event() acts as root: the stack's root principals (starbackup:rootPrincipalArns) name it.
  handle = apiHandler(async () => embedded.ctx, [DBA]);
});
afterAll(async () => {
  await embedded?.close();
});

/** An event as API Gateway (HTTP API, payload 2.0, IAM authorizer) delivers it for a signed `awscurl` call. */
function event(body: string | undefined, overrides: Partial<APIGatewayProxyEventV2WithIAMAuthorizer> = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /v1/sql',
    rawPath: '/v1/sql',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'awscurl/0.36',
      'x-amz-date': '20261124T110000Z',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      authorizer: {
        iam: {
          accessKey: 'AKIAIOSFODNN7EXAMPLE',
          accountId: '123456789012',
          callerId: 'AIDACKCEVSQ6C2EXAMPLE',
          cognitoIdentity: null as never,
          principalOrgId: 'o-example',
          userArn: 'arn:aws:iam::123456789012:user/dba',
          userId: 'AIDACKCEVSQ6C2EXAMPLE',
        },
      },
      domainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: { method: 'POST', path: '/v1/sql', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'awscurl/0.36' },
      requestId: 'Jx3a1gJ5FiAEMbQ=',
      routeKey: 'POST /v1/sql',
      stage: '$default',
      time: '24/Nov/2026:11:00:00 +0000',
      timeEpoch: 1795518000000,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
    ...overrides,
  };
}

async function call(e: APIGatewayProxyEventV2WithIAMAuthorizer) {
  const r = await handle(e);
  expect(r.headers?.['content-type']).toBe('application/json');
  return { status: r.statusCode, body: JSON.parse(r.body!) };
}

describe('POST /v1/sql through API Gateway', () => {
  it('runs statements in order and answers with StarRocks-shaped results', async () => {
    const r = await call(event(JSON.stringify({ sql: "CREATE DATABASE shop; CREATE TABLE items (id INT, name STRING); INSERT INTO items VALUES (1, 'pen'); SELECT * FROM items", database: 'shop' })));
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: { statement: string }) => x.statement)).toEqual([
      'CREATE DATABASE shop', 'CREATE TABLE items (id INT, name STRING)', "INSERT INTO items VALUES (1, 'pen')", 'SELECT * FROM items',
    ]);
    expect(r.body.results[3]).toMatchObject({ columns: ['id', 'name'], rows: [['1', 'pen']] });
    expect(r.body.error).toBeUndefined();
  });

  it('accepts a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify({ sql: 'SHOW DATABASES' })).toString('base64');
    const r = await call(event(body, { isBase64Encoded: true }));
    expect(r.status).toBe(200);
    expect(r.body.results[0].rows).toContainEqual(['shop']);
  });

  it('starts BACKUP and answers at once with the job, as the cloud does', async () => {
    const r = await call(event(JSON.stringify({ sql: `CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${await temp.make()}"; BACKUP DATABASE shop SNAPSHOT s1 TO r` })));
    expect(r.status).toBe(200);
    const [, backup] = r.body.results;
    expect(backup.columns).toEqual(['JobId', 'Label', 'State', 'Timestamp']);
    expect(backup.rows[0][1]).toBe('s1');
    expect(backup.rows[0][3]).toMatch(/^\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}$/);
  });

  it('rejects a body that is not JSON, without quoting it', async () => {
    const r = await call(event('{"sql": "CREATE REPOSITORY r ... secret_key=abc'));
    expect(r).toEqual({ status: 400, body: { error: { code: 'InvalidRequestError', message: expect.stringContaining('not valid JSON') } } });
    expect(JSON.stringify(r.body)).not.toContain('secret');
  });

  it('rejects a missing body, a wrong shape and unknown fields', async () => {
    expect((await call(event(undefined))).body.error).toEqual({ code: 'InvalidRequestError', message: expect.stringContaining('missing') });
    expect((await call(event('[1]'))).status).toBe(400);
    expect((await call(event('{"sql": 1}'))).body.error.message).toContain('"sql" must be a string');
    expect((await call(event('{"sql": "SHOW DATABASES", "db": "x"}'))).body.error.message).toContain('Unknown field "db"');
    expect((await call(event('{"sql": " ; "}'))).body.error.message).toBe('No query specified');
  });

  it('answers an unknown statement with a 400 parse error naming line and column', async () => {
    const r = await call(event(JSON.stringify({ sql: 'SHOW DATABASES;\nFROBNICATE everything' })));
    expect(r.status).toBe(400);
    expect(r.body.results).toHaveLength(1);
    expect(r.body.error).toMatchObject({ code: 'ParseError', statement: 'FROBNICATE everything', message: expect.stringMatching(/^Getting syntax error at line 2, column 1\./) });
  });

  it('maps user errors to 4xx by their stable names', async () => {
    const notFound = await call(event(JSON.stringify({ sql: 'SELECT COUNT(*) FROM shop.nope' })));
    expect(notFound).toMatchObject({ status: 404, body: { error: { code: 'NotFoundError', statement: 'SELECT COUNT(*) FROM shop.nope' } } });
    const exists = await call(event(JSON.stringify({ sql: 'CREATE DATABASE shop' })));
    expect(exists.status).toBe(409);
    expect(exists.body.error.code).toBe('AlreadyExistsError');
    const analysis = await call(event(JSON.stringify({ sql: 'SELECT COUNT(*) FROM items' })));
    expect(analysis).toMatchObject({ status: 400, body: { error: { code: 'AnalysisError', message: 'No database selected' } } });
  });

  it('refuses a script of more statements than the limit, running none of them', async () => {
    const r = await call(event(JSON.stringify({ sql: 'CREATE DATABASE never_made;'.repeat(10_001) })));
    expect(r).toEqual({ status: 400, body: { error: { code: 'InvalidRequestError', message: 'A script may hold at most 10000 statements; this one holds 10001' } } });
    expect(JSON.stringify((await call(event(JSON.stringify({ sql: 'SHOW DATABASES' })))).body)).not.toContain('never_made');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const r = await call(event(JSON.stringify({ sql: `SELECT 1 -- ${'x'.repeat(1024 * 1024)}` })));
    expect(r).toEqual({ status: 413, body: { error: { code: 'PayloadTooLargeError', message: expect.stringContaining('larger than 1048576 bytes') } } });
  });

  it('refuses an event without IAM authorization context (a route left without the authorizer)', async () => {
    const e = event(JSON.stringify({ sql: 'SHOW DATABASES' }));
    const { authorizer: _unused, ...requestContext } = e.requestContext;
    const r = await call({ ...e, requestContext: requestContext as typeof e.requestContext });
    expect(r).toEqual({ status: 403, body: { error: { code: 'ForbiddenError', message: expect.stringContaining('IAM') } } });
  });

  it('answers 500 with the error shape when the service cannot start', async () => {
    const broken = apiHandler(() => Promise.reject(new InternalError('environment variable CATALOG_TABLE is not set')));
    const r = await broken(event(JSON.stringify({ sql: 'SHOW DATABASES' })));
    expect(r.statusCode).toBe(500);
    expect(JSON.parse(r.body!)).toEqual({ error: { code: 'InternalError', message: 'environment variable CATALOG_TABLE is not set' } });
  });

  it('keeps the message of an error that is not ours (a bug, a library) out of the answer', async () => {
    const broken = apiHandler(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x') at /var/task/index.mjs:1:2")));
    const r = await broken(event(JSON.stringify({ sql: 'SHOW DATABASES' })));
    expect(JSON.parse(r.body!)).toEqual({ error: { code: 'InternalError', message: "Internal error (TypeError); the function's log has the details" } });
    // The same for a statement: its repository store fails with a TypeError.
    const failing = apiHandler(async () => ({
      ...embedded.ctx,
      openLocation: () => { throw new TypeError('secret detail at /var/task/index.mjs:1:2'); },
    }), [DBA]);
    const s = await failing(event(JSON.stringify({ sql: 'CREATE REPOSITORY r1 WITH BROKER ON LOCATION "s3://b/p" PROPERTIES ("aws.s3.use_instance_profile" = "true")' })));
    const body = JSON.parse(s.body!);
    expect(body.error).toMatchObject({ code: 'InternalError', errno: 1064, sqlstate: 'HY000', message: "Internal error (TypeError); the function's log has the details" });
    expect(s.body).not.toContain('/var/task');
  });
});

describe('the deadline of a request through API Gateway', () => {
  const NOW = Date.UTC(2026, 10, 24, 11);
  const WHY = "the HTTP API answers within API Gateway's 30 s limit";
  // A fixed clock: the deadline comes from the Lambda context alone, and no message depends on speed.
  const lambda = () => apiHandler(async () => ({ ...embedded.ctx, clock: { now: () => NOW } }), [DBA]);
  const nearlyOut = { getRemainingTimeInMillis: () => 1_000 };

  it('is the remaining time of the function or API Gateway\'s 30 s, whichever ends first, less 3 s', () => {
    expect(apiDeadline(NOW, 29_000)).toEqual({ start: NOW, at: NOW + 26_000, why: WHY });
    expect(apiDeadline(NOW, 900_000).at).toBe(NOW + 27_000);
  });

  it('stops a load the Lambda context leaves no time for: 504, and the table as it was', async () => {
    const before = (await call(event(JSON.stringify({ sql: 'SELECT COUNT(*) FROM shop.items' })))).body.results[0].rows;
    const r = await lambda()(event(JSON.stringify({ sql: "INSERT INTO shop.items VALUES (2, 'ink')" })), nearlyOut);
    expect(r.statusCode).toBe(504);
    expect(JSON.parse(r.body!)).toEqual({
      results: [],
      error: {
        code: 'DeadlineExceededError',
        errno: 5024,
        sqlstate: '53400',
        statement: "INSERT INTO shop.items VALUES (2, 'ink')",
        message: `INSERT stopped after 0 s: ${WHY}. Nothing was loaded: the rows it had written were removed; insert the rows in parts, fewer rows per INSERT and one INSERT per request.`,
      },
    });
    expect((await call(event(JSON.stringify({ sql: 'SELECT COUNT(*) FROM shop.items' })))).body.results[0].rows).toEqual(before);
  });

  it('starts no statement after the first once it has passed, and says which ran', async () => {
    const r = await lambda()(event(JSON.stringify({ sql: 'SHOW DATABASES; SHOW TABLES FROM shop; SHOW DATABASES' })), nearlyOut);
    expect(r.statusCode).toBe(504);
    const body = JSON.parse(r.body!);
    expect(body.results.map((x: { statement: string }) => x.statement)).toEqual(['SHOW DATABASES']);
    expect(body.error).toEqual({
      code: 'DeadlineExceededError',
      errno: 5024,
      sqlstate: '53400',
      statement: 'SHOW TABLES FROM shop',
      message: `The request stopped after 0 s: ${WHY}. The statements before this one ran; this one and those after it did not; send them in another request.`,
    });
  });

  it('lets a request with time left run as usual', async () => {
    const r = await lambda()(event(JSON.stringify({ sql: 'SHOW DATABASES; SHOW TABLES FROM shop' })), { getRemainingTimeInMillis: () => 28_000 });
    expect(r.statusCode).toBe(200);
  });
});
