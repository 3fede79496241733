import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { JobType } from '../../lib/domain/states.ts';
import type { RestoreTaskName } from '../../lib/domain/workflow.ts';
import { buildJobWorkflow, type JobWorkflowProps } from './job-workflow.ts';

export type RestoreWorkflowProps = JobWorkflowProps<RestoreTaskName>;

/** RESTORE: PENDING -> SNAPSHOTING -> DOWNLOAD -> DOWNLOADING -> COMMIT -> COMMITTING -> FINISHED (the registry's RESTORE phases). */
export class RestoreWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RestoreWorkflowProps) {
    super(scope, id);
    this.stateMachine = buildJobWorkflow(this, JobType.RESTORE, props);
  }
}
