import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { BackupTask, FlowState, type BackupTaskName } from '../../lib/domain/workflow.ts';
import { buildJobWorkflow, type JobWorkflowProps } from './job-workflow.ts';

export type BackupWorkflowProps = JobWorkflowProps<BackupTaskName>;

/** BACKUP: PENDING -> SNAPSHOTING -> UPLOAD_SNAPSHOT -> UPLOADING -> SAVE_META -> UPLOAD_INFO -> FINISHED. */
export class BackupWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    this.stateMachine = buildJobWorkflow(
      this,
      {
        comment: 'starbackup BACKUP',
        pending: BackupTask.PENDING,
        snapshot: BackupTask.SNAPSHOTING,
        plan: BackupTask.UPLOAD_SNAPSHOT,
        fanOut: FlowState.UPLOADING,
        batch: BackupTask.UPLOAD_BATCH,
        commit: [BackupTask.SAVE_META, BackupTask.UPLOAD_INFO],
        cancel: BackupTask.CANCEL,
      },
      props,
    );
  }
}
