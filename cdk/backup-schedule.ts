/**
 * A recurring BACKUP: an EventBridge Scheduler schedule that invokes the scheduled-backup function with
 * the database, repository, label prefix and retention. The function issues
 * `BACKUP DATABASE <db> SNAPSHOT <prefix>_<yyyyMMdd_HHmmss> TO <repo>` and drops the schedule's
 * snapshots beyond the newest `keepLast`, as the StarRocks user `user` (its privileges apply). A run that fails for good lands in the dead-letter queue
 * (cdk/dead-letter-queue.ts) instead of vanishing.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { RUN_AS_USER, type ScheduleConfig } from './stack-config.ts';

/** A schedule of cdk.json (`starbackup:schedules`) and the function it invokes. */
export interface BackupScheduleProps extends Omit<ScheduleConfig, 'name'> {
  target: lambda.IFunction;
  /** Takes the invocations Scheduler could not deliver; the function's own failures go there too (its async invoke config). */
  deadLetters: DeadLetterQueue;
}

export class BackupSchedule extends Construct {
  readonly schedule: scheduler.CfnSchedule;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BackupScheduleProps) {
    super(scope, id);
    if (!/^(cron|rate)\(.+\)$/.test(props.schedule)) throw new Error(`BackupSchedule ${id}: schedule must be cron(…) or rate(…), not '${props.schedule}'`);
    if (!Number.isInteger(props.keepLast) || props.keepLast < 1) throw new Error(`BackupSchedule ${id}: keepLast must be an integer of at least 1`);
    if (!RUN_AS_USER.test(props.user)) throw new Error(`BackupSchedule ${id}: user must name the StarRocks user the schedule runs as, e.g. "backup_op" or "'backup_op'@'%'"`);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Only schedules of this account may use the role (confused-deputy guard).
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `Lets EventBridge Scheduler run the ${id} backup schedule`,
    });
    // The function's ARN only, not its versions: the schedule always calls $LATEST.
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }));
    props.deadLetters.grantSchedule(this.role);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `BACKUP DATABASE ${props.database} TO ${props.repository}, keeping the last ${props.keepLast}, as ${props.user}`,
      scheduleExpression: props.schedule,
      scheduleExpressionTimezone: props.timezone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: props.target.functionArn,
        roleArn: this.role.roleArn,
        // The scheduled time makes the label, so a retried invocation asks for the same snapshot: Scheduler
        // resolves it once per run, and both its delivery retries and Lambda's asynchronous retries
        // (SCHEDULED_INVOKE, at most two more within the hour) pass the same event on.
        input: JSON.stringify({
          database: props.database,
          repository: props.repository,
          labelPrefix: props.labelPrefix,
          keepLast: props.keepLast,
          user: props.user,
          scheduledTime: '<aws.scheduler.scheduled-time>',
        }),
        // Delivery only (throttling, permissions): the function's own failures are Lambda's to retry.
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: props.deadLetters.queue.queueArn },
      },
    });
  }
}

