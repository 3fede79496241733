/**
 * The cloud deployment: tables, data bucket and key; one Lambda per phase; the backup and restore state
 * machines from the same constructs the embedded runtime synthesizes (with the fan-out Map DISTRIBUTED
 * here); the HTTP API; and the backup schedules of cdk.json.
 */
import { Aws, type CfnResource, CfnOutput, Fn, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { BackupSchedule } from './backup-schedule.ts';
import { DataStores } from './data-stores.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { SCHEDULED_BACKUP_ACCESS, grantAccess } from './function-access.ts';
import { PhaseFunctions } from './phase-functions.ts';
import { RecoverySweep } from './recovery-sweep.ts';
import { SqlApi } from './sql-api.ts';
import type { StackConfig } from './stack-config.ts';
import { StarbackupFunction } from './starbackup-function.ts';
import { BackupWorkflow } from './workflows/backup-workflow.ts';
import { RestoreWorkflow } from './workflows/restore-workflow.ts';

/** Every phase renews the lock; the longest phase is a 15-minute Lambda, so a lease of twice that never lapses under a live job. */
export const LOCK_LEASE_MS = 30 * 60_000;

export interface StarbackupStackProps extends StackProps {
  config: StackConfig;
}

export class StarbackupStack extends Stack {
  readonly stores: DataStores;
  readonly phases: PhaseFunctions;
  readonly backup: BackupWorkflow;
  readonly restore: RestoreWorkflow;
  readonly api: SqlApi;
  readonly scheduledBackup: StarbackupFunction;
  readonly recovery: RecoverySweep;
  readonly scheduleFailures: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: StarbackupStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const repositories = { bucketArns: config.repositoryBucketArns, roleArns: config.repositoryRoleArns };
    this.stores = new DataStores(this, 'Stores', { removalPolicy });
    const environment = {
      CATALOG_TABLE: this.stores.catalogTable.tableName,
      CONTROL_TABLE: this.stores.controlTable.tableName,
      DATA_LOCATION: this.stores.dataLocation,
      // The stack id's UUID: stable across updates, unique per deployment.
      CLUSTER_ID: config.clusterId ?? Fn.select(2, Fn.split('/', Aws.STACK_ID)),
      SECRETS_KEY_ID: this.stores.sealingKey.keyArn,
      LOCK_LEASE_MS: String(LOCK_LEASE_MS),
      ALLOWED_ENDPOINTS: config.allowedEndpoints.join(','),
    };
    this.phases = new PhaseFunctions(this, 'Phases', {
      stores: this.stores, environment, repositories, removalPolicy,
    });

    const workflowProps = (name: string) => ({
      mapMode: 'DISTRIBUTED' as const,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, `${name}ExecutionLogs`, { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy }),
        level: sfn.LogLevel.ALL,
        // Inputs and outputs are job ids, batch references and error names; statements and credentials never pass through.
        includeExecutionData: true,
      },
    });
    this.backup = new BackupWorkflow(this, 'Backup', {
      ...workflowProps('Backup'), handlers: this.phases.backup, maxConcurrency: config.uploadWorkers,
    });
    this.restore = new RestoreWorkflow(this, 'Restore', {
      ...workflowProps('Restore'), handlers: this.phases.restore, maxConcurrency: config.downloadWorkers,
    });
    acknowledgeWorkflowGrants(this.backup.stateMachine, Object.values(this.phases.backup));
    acknowledgeWorkflowGrants(this.restore.stateMachine, Object.values(this.phases.restore));

    this.api = new SqlApi(this, 'Api', {
      stores: this.stores, environment, backup: this.backup.stateMachine, restore: this.restore.stateMachine,
      repositories, removalPolicy, rootPrincipalArns: config.rootPrincipalArns,
    });

    this.scheduledBackup = new StarbackupFunction(this, 'ScheduledBackup', {
      entry: 'scheduled-backup',
      size: 'light',
      description: 'EventBridge Scheduler target: BACKUP with a generated label, then retention',
      environment: { ...environment, BACKUP_STATE_MACHINE_ARN: this.backup.stateMachine.stateMachineArn },
      removalPolicy,
    });
    grantAccess(this.scheduledBackup, this.stores, repositories, SCHEDULED_BACKUP_ACCESS);
    this.backup.stateMachine.grantStartExecution(this.scheduledBackup);
    // Always there: the recovery sweep is scheduled even when cdk.json lists no backup schedule.
    this.scheduleFailures = new DeadLetterQueue(this, 'ScheduleFailures', { removalPolicy });
    this.scheduleFailures.receiveFailuresOf(this.scheduledBackup);
    for (const s of config.schedules) {
      new BackupSchedule(this, `Schedule-${s.name}`, {
        schedule: s.schedule, ...(s.timezone ? { timezone: s.timezone } : {}), database: s.database,
        repository: s.repository, labelPrefix: s.labelPrefix, keepLast: s.keepLast, user: s.user, target: this.scheduledBackup,
        deadLetters: this.scheduleFailures,
      });
    }

    this.recovery = new RecoverySweep(this, 'Recovery', {
      stores: this.stores, environment, repositories, removalPolicy, deadLetters: this.scheduleFailures,
    });

    new CfnOutput(this, 'BackupStateMachineArn', { value: this.backup.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RestoreStateMachineArn', { value: this.restore.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DataBucketName', { value: this.stores.dataBucket.bucketName });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', { value: this.scheduleFailures.queue.queueUrl });
    new CfnOutput(this, 'ScheduleDeadLetterAlarmName', { value: this.scheduleFailures.alarm.alarmName });
  }
}

function acknowledgeWorkflowGrants(machine: sfn.StateMachine, handlers: lambda.IFunction[]): void {
  const acknowledge = Validations.of(machine);
  for (const fn of new Set(handlers)) {
    const id = Stack.of(machine).getLogicalId(fn.node.defaultChild as CfnResource);
    acknowledge.acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${id}.Arn>:*]`,
      reason: 'LambdaInvoke grants the phase function and its versions (<fn>:*); the function is this stack\'s own',
    });
  }
  // The DISTRIBUTED Map starts child executions of this very machine and watches them, by execution ARN.
  const machineId = Stack.of(machine).getLogicalId(machine.node.defaultChild as CfnResource);
  const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${machineId}"}]}]}`;
  for (const suffix of [':*', '/*:*']) {
    acknowledge.acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}${suffix}]`,
      reason: 'The DISTRIBUTED Map describes and stops the child executions it starts, whose names Step Functions generates',
    });
  }
  acknowledge.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing and CloudWatch Logs delivery (logs:CreateLogDelivery and friends) support no resource-level permissions',
  });
}
