import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Embedded, openEmbedded } from '../../bin/embedded-runtime.ts';
import { apiHandler } from '../../functions/api.ts';
import { contextFromEnv } from '../../functions/wiring.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
import { S3RVER_KEY } from '../support/s3-server.ts';
import { freshS3Location, s3Endpoint } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type Bait, startBait, withEnv } from './support.ts';

vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });

/**
 * The API handler with the cloud's wiring (functions/wiring.ts builds the guard from the environment the
 * stack sets), over a real dynalite: the catalog and control stores are swapped in, nothing else.
 */
const temp = useTempDirs('cloud-door');
let embedded: Embedded;
let bait: Bait;
let handle: ReturnType<typeof apiHandler>;
let restoreEnv: () => void;

function event(sql: string): APIGatewayProxyEventV2WithIAMAuthorizer {
  return {
    version: '2.0', routeKey: 'POST /v1/sql', rawPath: '/v1/sql', rawQueryString: '', headers: {}, isBase64Encoded: false,
    body: JSON.stringify({ sql, database: 'd' }),
    requestContext: { authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/dba' } } },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

async function call(sql: string): Promise<{ status: number; body: any; raw: string }> {
  const r = await handle(event(sql));
  return { status: r.statusCode!, body: JSON.parse(r.body!), raw: r.body! };
}

beforeAll(async () => {
  restoreEnv = withEnv({ AWS_ACCESS_KEY_ID: 'AKIAEXECUTIONROLE', AWS_SECRET_ACCESS_KEY: 'execution-role-secret', AWS_SESSION_TOKEN: 'execution-role-token', AWS_REGION: 'us-east-1' });
  bait = await startBait();
  embedded = await openEmbedded(await temp.make());
  const cloud = contextFromEnv({
    CATALOG_TABLE: 'c', CONTROL_TABLE: 'k', DATA_LOCATION: 's3://data-bucket/cluster', SECRETS_KEY_ID: 'key', CLUSTER_ID: 'cloud',
    ALLOWED_ENDPOINTS: new URL(s3Endpoint()).host,
  });
  const ctx: ServiceContext = { ...cloud, catalog: embedded.ctx.catalog, control: embedded.ctx.control, data: embedded.ctx.data, sealer: embedded.ctx.sealer };
  handle = apiHandler(async () => ctx, ['arn:aws:iam::123456789012:user/dba']);
  expect((await call('CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH(k) BUCKETS 1')).status).toBe(200);
});

afterAll(async () => {
  await embedded?.close();
  await bait?.close();
  restoreEnv?.();
});

describe('the cloud API', () => {
  it('refuses file:// and memory:// repositories: a Lambda keeps nothing', async () => {
    const file = await call(`CREATE REPOSITORY r1 WITH BROKER ON LOCATION "file:///tmp/backups"`);
    expect(file.status).toBe(403);
    expect(file.body.error.message).toBe(
      "Failed to create repository r1 on file:///tmp/backups: Repository location 'file:///tmp/backups' is refused in the cloud: file:// would live in one Lambda function's own disk and keep nothing; use s3://, gs:// or hdfs://",
    );
    const memory = await call(`CREATE REPOSITORY r2 WITH BROKER ON LOCATION "memory://m/backups"`);
    expect(memory.status).toBe(403);
    expect(memory.body.error.message).toBe(
      "Failed to create repository r2 on memory://m/backups: Repository location 'memory://m/backups' is refused in the cloud: memory:// would live in one Lambda function's own memory and keep nothing; use s3://, gs:// or hdfs://",
    );
    expect((await call('SHOW REPOSITORIES')).body.results[0].rows).toEqual([]);
  });

  it('refuses FILES(): the process environment holds the execution role', async () => {
    const r = await call(`INSERT INTO t SELECT * FROM FILES("path" = "file:///proc/self/environ", "format" = "csv", "csv.column_separator" = "\\u0001")`);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe("FILES() cannot read local files in the cloud: a Lambda function's disk is its own, not a place to load from");
    expect((await call('SELECT COUNT(*) FROM t')).body.results[0].rows).toEqual([['0']]);
  });

  it('refuses the Lambda runtime API and the metadata service, and never sends the execution role', async () => {
    const role = await call(`CREATE REPOSITORY s1 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.endpoint" = "http://127.0.0.1:${bait.port}")`);
    expect(role.status).toBe(403);
    expect(role.body.error.message).toBe(
      `Failed to create repository s1 on s3://bkt/p: Refused to send the service's own credentials to aws.s3.endpoint 127.0.0.1:${bait.port}, an endpoint named by the statement: give the repository its own credentials, or name the endpoint in allowed_endpoints in the CDK context starbackup:allowedEndpoints`,
    );
    const meta = await call(`CREATE REPOSITORY s2 WITH BROKER ON LOCATION "s3://bkt/p" PROPERTIES ("aws.s3.access_key" = "AKIAUSER", "aws.s3.secret_key" = "user-secret", "aws.s3.endpoint" = "http://169.254.169.254")`);
    expect(meta.status).toBe(403);
    expect(meta.body.error.message).toMatch(/Refused to connect to aws\.s3\.endpoint 169\.254\.169\.254:80: link-local \(metadata service\) addresses are not reachable from the cloud service unless allowed_endpoints in the CDK context starbackup:allowedEndpoints names them$/);
    expect(meta.raw).not.toContain('user-secret');
    expect(bait.connections).toBe(0);
  });

  it('reaches an endpoint the stack allows', async () => {
    const r = await call(
      `CREATE REPOSITORY ok WITH BROKER ON LOCATION "${freshS3Location('bucket_s3', 'cloud-door')}" PROPERTIES ("aws.s3.access_key" = "${S3RVER_KEY}", "aws.s3.secret_key" = "${S3RVER_KEY}", "aws.s3.endpoint" = "${s3Endpoint()}")`,
    );
    expect(r.status).toBe(200);
    expect(r.body.results[0].statement).toContain('"aws.s3.secret_key" = "***"');
  });
});
