/**
 * Where a failed scheduled invocation lands instead of vanishing. EventBridge Scheduler invokes its Lambda
 * targets asynchronously, so a run can fail at two places: Scheduler cannot deliver it (throttling, a
 * missing permission), after the schedule's retryPolicy, and puts it in the schedule's deadLetterConfig; or
 * the function itself fails, after its asynchronous retries, and Lambda sends it to the function's
 * on-failure destination. Both go to this one queue, so one alarm and one place to look cover every
 * schedule; the two kinds of message tell themselves apart (Scheduler's carries the target input and
 * ERROR_CODE / ERROR_MESSAGE attributes, Lambda's is a JSON record with requestContext.condition,
 * requestPayload and responsePayload).
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Lambda's asynchronous retries of a scheduled function, made explicit: two more attempts (Lambda's
 * default) within an hour (not its default six: a backup or a sweep hours late is better left to the next
 * run), the bounds of a backup schedule's own retryPolicy. Every attempt gets the same event, so the same
 * scheduledTime and so the same label (cdk/backup-schedule.ts).
 */
export const SCHEDULED_INVOKE = { retryAttempts: 2, maxEventAge: Duration.hours(1) } as const;

export interface DeadLetterQueueProps {
  removalPolicy: RemovalPolicy;
}

export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed keys: the senders (Scheduler through the schedule roles, Lambda through the function
      // roles) then need sqs:SendMessage and no KMS grant.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS keeps a message: a failure noticed after a long weekend can still be read.
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedules and of the scheduled functions; nothing reads it but an operator',
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription: 'A scheduled backup or recovery sweep failed and was not retried further: read the starbackup schedule dead-letter queue',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // SQS publishes no datapoint for an idle queue; no data is an empty queue.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Lets a schedule's role put its undeliverable invocations here: sqs:SendMessage on this queue only. */
  grantSchedule(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
  }

  /**
   * Configures a scheduled function's asynchronous invocation (SCHEDULED_INVOKE) with this queue as its
   * on-failure destination. Not aws-lambda-destinations' SqsDestination, which also grants
   * GetQueueAttributes and GetQueueUrl: Lambda only sends.
   */
  receiveFailuresOf(fn: lambda.Function): void {
    const queue = this.queue;
    const onFailure: lambda.IDestination = {
      bind: (_scope, target) => {
        target.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
        return { destination: queue.queueArn };
      },
    };
    fn.configureAsyncInvoke({ ...SCHEDULED_INVOKE, onFailure });
  }
}
