import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PHASE_NAMES, PHASES } from '../../lib/domain/phase-registry.ts';
import { FunctionSize } from '../../cdk/starbackup-function.ts';
import type { StarbackupStack } from '../../cdk/starbackup-stack.ts';
import { type Resource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

let stack: StarbackupStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthStack());
}, SYNTH_TIMEOUT_MS);

const resources = (type: string) => Object.entries(template.findResources(type) as Record<string, Resource>);
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('tables', () => {
  it('are two on-demand pk/sk tables with PITR, encryption, TTL on exp, retained', () => {
    const tables = resources('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const [, t] of tables) {
      expect(t.Properties).toEqual({
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(t.DeletionPolicy).toBe('Retain');
    }
  });

  it('can be made disposable for test deployments', () => {
    const { template: t } = synthStack({ 'aws:cdk:bundling-stacks': [], 'starbackup:removalPolicy': 'destroy' });
    for (const table of Object.values(t.findResources('AWS::DynamoDB::Table'))) {
      expect(table['DeletionPolicy']).toBe('Delete');
      expect(table['Properties']['DeletionProtectionEnabled']).toBe(false);
    }
  }, SYNTH_TIMEOUT_MS);
});

describe('data bucket and key', () => {
  it('the data bucket is encrypted, private, versioned, logged and TLS-only', () => {
    const id = logicalId(stack.stores.dataBucket);
    const logs = logicalId(stack.stores.accessLogsBucket);
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: 'data-bucket/' },
      }),
      DeletionPolicy: 'Retain',
    });
    expect(template.toJSON().Resources[id].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const policies = resources('AWS::S3::BucketPolicy').map(([, p]) => p.Properties);
    for (const bucket of [id, logs]) {
      const policy = policies.find((p) => p['Bucket']['Ref'] === bucket)!;
      expect(policy['PolicyDocument']['Statement']).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }));
    }
  });

  it('the access logs bucket is private and encrypted too', () => {
    const logs = template.toJSON().Resources[logicalId(stack.stores.accessLogsBucket)];
    expect(logs.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
    expect(logs.Properties.BucketEncryption).toBeDefined();
  });

  it('the sealing key rotates and is retained', () => {
    template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain' });
    template.resourceCountIs('AWS::KMS::Key', 1);
  });
});

describe('functions', () => {
  const functions = () => resources('AWS::Lambda::Function');
  const fn = (construct: { node: { defaultChild?: unknown } }) => template.toJSON().Resources[logicalId(construct)].Properties;

  it('one per phase, plus the API, the scheduled backup and the recovery sweep, all Node 22 on arm64 with X-Ray and a log group', () => {
    expect(functions()).toHaveLength(Object.keys(PHASES).length + 3);
    for (const [, f] of functions()) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' });
      expect(f.Properties['LoggingConfig']['LogGroup']['Ref']).toBeDefined();
      expect(f.Properties['Environment']['Variables']).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'starbackup', POWERTOOLS_METRICS_NAMESPACE: 'Starbackup' });
    }
  });

  it('sizes memory and timeout by phase: batches longer and bigger', () => {
    const f = stack.phases.functions;
    expect(fn(f.uploadBatch)).toMatchObject({ MemorySize: 2048, Timeout: 900 });
    expect(fn(f.downloadBatch)).toMatchObject({ MemorySize: 2048, Timeout: 900 });
    expect(fn(f.backupPending)).toMatchObject({ MemorySize: 512, Timeout: 120 });
    expect(fn(f.backupSnapshoting)).toMatchObject({ MemorySize: 1024, Timeout: 600 });
    expect(fn(f.cancelJob)).toMatchObject({ MemorySize: 1024, Timeout: 900 });
    expect(fn(stack.api.handler)).toMatchObject({ MemorySize: 1024, Timeout: 29 });
  });

  it.each(PHASE_NAMES)('builds phase %s from its registry entry: description and size', (name) => {
    const spec = PHASES[name];
    const size = FunctionSize[spec.size];
    expect(fn(stack.phases.functions[name])).toMatchObject({ Description: spec.description, MemorySize: size.memoryMb, Timeout: size.timeout.toSeconds() });
  });

  it('gives every function the environment functions/wiring.ts reads, and the API the state machine ARNs', async () => {
    const wiring = await import('node:fs').then((fs) => fs.readFileSync(new URL('../../functions/wiring.ts', import.meta.url), 'utf8'));
    const required = [...wiring.matchAll(/required\(env, '([A-Z_]+)'\)/g)].map((m) => m[1]!);
    expect(required.sort()).toEqual(['CATALOG_TABLE', 'CLUSTER_ID', 'CONTROL_TABLE', 'DATA_LOCATION', 'SECRETS_KEY_ID']);
    for (const [, f] of functions()) {
      const vars = f.Properties['Environment']['Variables'];
      for (const name of [...required, 'LOCK_LEASE_MS']) expect(vars[name], name).toBeDefined();
      expect(vars['DATA_LOCATION']).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack.stores.dataBucket) }, '/cluster']] });
    }
    expect(fn(stack.api.handler).Environment.Variables).toMatchObject({
      BACKUP_STATE_MACHINE_ARN: { Ref: logicalId(stack.backup.stateMachine) },
      RESTORE_STATE_MACHINE_ARN: { Ref: logicalId(stack.restore.stateMachine) },
      // starbackup:rootPrincipalArns, as lib/api/iam-caller.ts reads it; the API alone answers callers.
      ROOT_PRINCIPAL_ARNS: '["arn:aws:iam::111122223333:role/StarbackupAdmin"]',
    });
    for (const [, f] of functions().filter(([id]) => id !== logicalId(stack.api.handler))) {
      expect(f.Properties['Environment']['Variables']['ROOT_PRINCIPAL_ARNS']).toBeUndefined();
    }
    expect(fn(stack.scheduledBackup).Environment.Variables).toMatchObject({ BACKUP_STATE_MACHINE_ARN: { Ref: logicalId(stack.backup.stateMachine) } });
    expect(fn(stack.scheduledBackup).Environment.Variables['RESTORE_STATE_MACHINE_ARN']).toBeUndefined();
  });
});

describe('state machines', () => {
  it('are Standard, log every event to a log group and trace with X-Ray', () => {
    const machines = resources('AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(2);
    for (const [, m] of machines) {
      expect(m.Properties['StateMachineType']).toBe('STANDARD');
      expect(m.Properties['TracingConfiguration']).toEqual({ Enabled: true });
      expect(m.Properties['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
      const group = m.Properties['LoggingConfiguration']['Destinations'][0]['CloudWatchLogsLogGroup']['LogGroupArn']['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[group].Type).toBe('AWS::Logs::LogGroup');
    }
  });
});

describe('HTTP API', () => {
  it('routes POST /v1/sql to the API function with IAM authorization, payload 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = resources('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => [r.Properties['RouteKey'], r.Properties['AuthorizationType']])).toEqual([['POST /v1/sql', 'AWS_IAM']]);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.api.handler), 'Arn'] },
    });
  });

  it('logs access without bodies and throttles the default stage', () => {
    const [[, stage]] = resources('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 20 } });
    const format = JSON.parse(stage.Properties['AccessLogSettings']['Format']);
    expect(format.requestId).toBe('$context.requestId');
    expect(JSON.stringify(format)).not.toMatch(/body/i);
  });
});

describe('backup schedules from cdk.json context', () => {
  const backupSchedules = () => resources('AWS::Scheduler::Schedule')
    .filter(([, s]) => s.Properties['Target']['Arn']['Fn::GetAtt'][0] === logicalId(stack.scheduledBackup));

  it('creates an EventBridge Scheduler schedule invoking the scheduled-backup function', () => {
    const [[, schedule]] = backupSchedules() as [[string, Resource]];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [logicalId(stack.scheduledBackup), 'Arn'] } },
    });
    expect(JSON.parse(schedule.Properties['Target']['Input'])).toEqual({
      database: 'sales', repository: 'offsite', labelPrefix: 'nightly', keepLast: 7, user: 'backup_op', scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    const role = schedule.Properties['Target']['RoleArn']['Fn::GetAtt'][0];
    const r = template.toJSON().Resources[role];
    expect(r.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    const policy = resources('AWS::IAM::Policy').find(([, p]) => p.Properties['Roles'][0]['Ref'] === role)![1];
    expect(policy.Properties['PolicyDocument']['Statement']).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(stack.scheduledBackup), 'Arn'] } },
      // Its dead-letter queue (schedule-dlq.test.ts).
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(stack.scheduleFailures.queue), 'Arn'] } },
    ]);
  });

  it('has no backup schedule when the context lists none', () => {
    const { template: t } = synthStack({ 'aws:cdk:bundling-stacks': [] });
    const targets = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((x) => x['Properties']['Target']['Arn']['Fn::GetAtt'][0]);
    expect(targets).toEqual([expect.stringMatching(/^RecoveryHandler/)]);
  }, SYNTH_TIMEOUT_MS);
});

describe('crash recovery', () => {
  it('sweeps for lapsed leases every 10 minutes with functions/recover-jobs.ts', () => {
    const fn = logicalId(stack.recovery.handler);
    const [[, schedule]] = resources('AWS::Scheduler::Schedule').filter(([, x]) => x.Properties['Target']['Arn']['Fn::GetAtt'][0] === fn) as [[string, Resource]];
    expect(schedule.Properties).toMatchObject({ ScheduleExpression: 'rate(10 minutes)', State: 'ENABLED', Target: { Input: '{}' } });
    expect(template.toJSON().Resources[fn].Properties).toMatchObject({ Timeout: 900, Runtime: 'nodejs22.x' });
  });
});
