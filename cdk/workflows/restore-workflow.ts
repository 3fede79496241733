import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FlowState, RestoreTask, type RestoreTaskName } from '../../lib/domain/workflow.ts';
import { buildJobWorkflow, type JobWorkflowProps } from './job-workflow.ts';

export type RestoreWorkflowProps = JobWorkflowProps<RestoreTaskName>;

/** RESTORE: PENDING -> SNAPSHOTING -> DOWNLOAD -> DOWNLOADING -> COMMIT -> COMMITTING -> FINISHED. */
export class RestoreWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: RestoreWorkflowProps) {
    super(scope, id);
    this.stateMachine = buildJobWorkflow(
      this,
      {
        comment: 'starbackup RESTORE',
        pending: RestoreTask.PENDING,
        snapshot: RestoreTask.SNAPSHOTING,
        plan: RestoreTask.DOWNLOAD,
        fanOut: FlowState.DOWNLOADING,
        batch: RestoreTask.DOWNLOAD_BATCH,
        commit: [RestoreTask.COMMIT, RestoreTask.COMMITTING],
        cancel: RestoreTask.CANCEL,
      },
      props,
    );
  }
}
