import { JobType } from '../../domain/states.ts';
import type { ExecutionInput, JobRef } from '../../domain/workflow.ts';
import { pending } from '../pending.ts';
import type { ServiceContext } from '../service-context.ts';

/** BACKUP PENDING: accepts the job the API recorded (or a console input recorded first, lib/api/console-input.ts); see ../pending.ts. */
export function backupPending(ctx: ServiceContext, input: ExecutionInput): Promise<JobRef> {
  return pending(ctx, input, JobType.BACKUP);
}
