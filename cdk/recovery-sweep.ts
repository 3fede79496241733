/**
 * Crash recovery in the cloud: every few minutes EventBridge Scheduler runs functions/recover-jobs.ts, which
 * takes over the lock of any job whose lease ran out (its Lambda or execution died without CANCEL) and rolls
 * the job forward or back exactly as the embedded runtime does after a killed process.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { DataStores } from './data-stores.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { RECOVERY_SWEEP_ACCESS, grantAccess } from './function-access.ts';
import type { RepositoryTargets } from './repository-access.ts';
import { StarbackupFunction, type StarbackupFunctionProps } from './starbackup-function.ts';

export interface RecoverySweepProps {
  stores: DataStores;
  environment: Record<string, string>;
  repositories: RepositoryTargets;
  removalPolicy: StarbackupFunctionProps['removalPolicy'];
  /** Where a sweep that fails for good is recorded, so a broken sweep (and the jobs it leaves stuck) shows. */
  deadLetters: DeadLetterQueue;
  /** How often to look for lapsed leases; a lease lasts 30 minutes, so a few minutes is plenty. */
  rate?: string;
}

export class RecoverySweep extends Construct {
  readonly handler: StarbackupFunction;
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: RecoverySweepProps) {
    super(scope, id);
    this.handler = new StarbackupFunction(this, 'Handler', {
      entry: 'recover-jobs',
      size: 'finish',
      description: 'Recovery sweep: roll jobs whose lock lease lapsed forward (commit) or back (cancel)',
      environment: props.environment,
      removalPolicy: props.removalPolicy,
    });
    grantAccess(this.handler, props.stores, props.repositories, RECOVERY_SWEEP_ACCESS);
    props.deadLetters.receiveFailuresOf(this.handler);

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler run the starbackup recovery sweep',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.handler.functionArn] }));
    props.deadLetters.grantSchedule(role);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: 'starbackup recovery sweep: jobs whose lock lease lapsed',
      scheduleExpression: props.rate ?? 'rate(10 minutes)',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      // A missed sweep is simply done by the next one, but it is recorded: a sweep that never runs is a fault.
      target: {
        arn: this.handler.functionArn, roleArn: role.roleArn, input: '{}', retryPolicy: { maximumRetryAttempts: 0 },
        deadLetterConfig: { arn: props.deadLetters.queue.queueArn },
      },
    });
  }
}
