import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { JobType } from '../../lib/domain/states.ts';
import type { BackupTaskName } from '../../lib/domain/workflow.ts';
import { buildJobWorkflow, type JobWorkflowProps } from './job-workflow.ts';

export type BackupWorkflowProps = JobWorkflowProps<BackupTaskName>;

/** BACKUP: PENDING -> SNAPSHOTING -> UPLOAD_SNAPSHOT -> UPLOADING -> SAVE_META -> UPLOAD_INFO -> FINISHED (the registry's BACKUP phases). */
export class BackupWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: BackupWorkflowProps) {
    super(scope, id);
    this.stateMachine = buildJobWorkflow(this, JobType.BACKUP, props);
  }
}
