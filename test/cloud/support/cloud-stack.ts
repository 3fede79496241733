/**
 * The deployed stack on one machine: DynamoDB (dynalite), S3 (s3rver), KMS (the stand-in), Step Functions
 * (local executions of the synthesized definitions) and STS, all behind the IAM gate; every function of
 * the template as its own processes. Entry points are what AWS would call: API Gateway's HTTP API v2 event,
 * a console StartExecution, EventBridge Scheduler's invocation.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startKmsServer, type KmsTestServer } from '../../support/kms-server.ts';
import { S3RVER_KEY, startS3rver, type S3TestServer } from '../../support/s3-server.ts';
import { cloudFunctions } from './cloud-functions.ts';
import { ACCOUNT, CloudTemplate, REGION } from './cloud-template.ts';
import { startDynamoGate, startKmsGate, startSfnGate } from './gate-json.ts';
import { startS3Gate } from './gate-s3.ts';
import { type ExternalRole, startStsGate } from './gate-sts.ts';
import { type GateServer, IamGate, type Principal } from './iam-gate.ts';
import { RolePolicies } from './iam-policies.ts';
import type { LambdaFunction } from './lambda-pool.ts';
import { LocalStepFunctions } from './local-step-functions.ts';
import type { SynthesizedCloud } from './synth-cloud.ts';

const dynalite = createRequire(import.meta.url)('dynalite') as (o: object) => import('node:http').Server;

export interface CloudStackOptions {
  synth: SynthesizedCloud;
  /** Buckets that exist besides the stack's own (repository buckets). */
  buckets: string[];
  externalRoles: ExternalRole[];
  /** Environment variables to change per function (logical id), e.g. a short lock lease. */
  environment?: (logicalId: string) => Record<string, string>;
}

export class CloudStack {
  readonly failures: string[] = [];
  readonly s3Admin: S3Client;
  readonly dynamoAdmin: DynamoDBClient;
  functions = new Map<string, LambdaFunction>();
  sfn!: LocalStepFunctions;
  s3Stats!: { missingKeyForbidden: number };
  /** Roles assumed through STS, and by which function. */
  stsAssumed: { by: string; roleArn: string }[] = [];
  private closers: (() => Promise<void>)[] = [];

  private constructor(readonly t: CloudTemplate, readonly gate: IamGate, readonly s3: S3TestServer, dynamoEndpoint: string, readonly kms: KmsTestServer) {
    const admin = { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY };
    this.s3Admin = new S3Client({ endpoint: s3.endpoint, region: REGION, forcePathStyle: true, credentials: admin });
    this.dynamoAdmin = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: admin });
  }

  static async start(options: CloudStackOptions): Promise<CloudStack> {
    const t = new CloudTemplate(options.synth.template, options.synth.stackName);
    const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', resolve));
    const dynamoEndpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
    const [s3, kms] = await Promise.all([startS3rver(), startKmsServer({ region: REGION, account: ACCOUNT })]);
    t.ofType('AWS::KMS::Key').forEach((id, i) => {
      const arn = i === 0 ? kms.keyArn : kms.createKey();
      t.bind(id, { ref: arn.split('/').pop()!, arn });
    });
    // After the binding: the policies name the key by its ARN.
    const gate = new IamGate(RolePolicies.fromTemplate(t));
    const stack = new CloudStack(t, gate, s3, dynamoEndpoint, kms);
    stack.closers.push(() => new Promise((resolve) => db.close(() => resolve())), () => s3.close(), () => kms.close());
    await stack.provision(options.buckets);

    const s3Gate = await startS3Gate(gate, s3.endpoint, S3RVER_KEY, stack.failures);
    stack.s3Stats = s3Gate.stats;
    const stsGate = await startStsGate(gate, options.externalRoles, stack.failures);
    stack.stsAssumed = stsGate.assumed;
    const dynamoGate = await startDynamoGate(gate, dynamoEndpoint, stack.failures);
    const kmsGate = await startKmsGate(gate, kms.endpoint, stack.failures);
    const byArn = new Map<string, LambdaFunction>();
    const sfnGate = await startSfnGate(gate, { startExecution: (...a) => stack.sfn.startExecution(...a), describeExecution: (a) => stack.sfn.describeExecution(a) }, stack.failures);
    const gates: GateServer[] = [s3Gate, stsGate, dynamoGate, kmsGate, sfnGate];
    stack.closers.unshift(...gates.map((g) => () => g.close()));
    stack.functions = cloudFunctions(t, options.synth.assets, gate, {
      dynamodb: dynamoGate.endpoint, s3: s3Gate.endpoint, kms: kmsGate.endpoint, sfn: sfnGate.endpoint, sts: stsGate.endpoint,
    }, options.environment);
    for (const fn of stack.functions.values()) byArn.set(fn.spec.arn, fn);
    stack.closers.unshift(async () => { for (const fn of stack.functions.values()) fn.kill(); });
    stack.sfn = new LocalStepFunctions(t, gate, byArn);
    return stack;
  }

  /** The stack's tables and buckets, as CloudFormation would have created them. */
  private async provision(extraBuckets: string[]): Promise<void> {
    const t = this.t;
    for (const id of t.ofType('AWS::DynamoDB::Table')) {
      const p = t.resolve(t.resource(id).Properties ?? {}) as Record<string, any>;
      await this.dynamoAdmin.send(new CreateTableCommand({
        TableName: t.ref(id), KeySchema: p['KeySchema'], AttributeDefinitions: p['AttributeDefinitions'], BillingMode: 'PAY_PER_REQUEST',
      }));
    }
    for (const bucket of [...t.ofType('AWS::S3::Bucket').map((id) => t.ref(id)), ...extraBuckets]) {
      await this.s3Admin.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }

  /** The one function whose logical id starts with `prefix` (e.g. `ApiHandler`, `PhasesUploadBatch`). */
  fn(prefix: string): LambdaFunction {
    const found = [...this.functions.values()].filter((f) => f.spec.logicalId.startsWith(prefix));
    if (found.length !== 1) throw new Error(`${found.length} functions start with ${prefix}`);
    return found[0]!;
  }

  stateMachineArn(prefix: 'Backup' | 'Restore'): string {
    const id = this.t.ofType('AWS::StepFunctions::StateMachine').find((m) => m.startsWith(`${prefix}StateMachine`));
    if (!id) throw new Error(`no ${prefix} state machine`);
    return this.t.ref(id);
  }

  /** What a console user's StartExecution does (the console's caller passes IAM's own check, not the stack's). */
  startExecution(kind: 'Backup' | 'Restore', input: string, name?: string): string {
    const console: Principal = { name: 'console user', roleArn: 'arn:aws:iam::123456789012:user/console' };
    return this.sfn.startExecution(this.stateMachineArn(kind), name, input, console).executionArn;
  }

  /** Every record of both tables, for checks that nothing secret was stored. */
  async scanTables(): Promise<string> {
    const out: unknown[] = [];
    for (const id of this.t.ofType('AWS::DynamoDB::Table')) out.push((await this.dynamoAdmin.send(new ScanCommand({ TableName: this.t.ref(id) }))).Items);
    return JSON.stringify(out);
  }

  /** The stack's data bucket (segments under cluster/, staging under cluster/staging/). */
  dataBucket(): string {
    const id = this.t.ofType('AWS::S3::Bucket').find((b) => b.includes('DataBucket'));
    if (!id) throw new Error('the template has no data bucket');
    return this.t.ref(id);
  }

  /** Every key of a bucket, read past the gate. */
  async listObjects(bucket: string, prefix = ''): Promise<string[]> {
    const out = await this.s3Admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!);
  }

  /** Everything every function printed. */
  logs(): string {
    return [...this.functions.values()].map((f) => f.output.join('')).join('');
  }

  async close(): Promise<void> {
    for (const close of this.closers) await close().catch(() => undefined);
  }
}
