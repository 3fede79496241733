import type { ServiceContext } from '../lib/jobs/service-context.ts';
import { type ScheduledBackupOutput, parseScheduledBackupInput, runScheduledBackup } from '../lib/api/scheduled-backup.ts';
import { instrument, logger } from './instrument.ts';
import { getApiContext } from './wiring.ts';

/** EventBridge Scheduler target: `{database, repository, labelPrefix, keepLast, scheduledTime}` (see cdk/backup-schedule.ts). */
export function scheduledBackupHandler(getCtx: () => Promise<ServiceContext>) {
  return async (event: unknown): Promise<ScheduledBackupOutput> => {
    const input = parseScheduledBackupInput(event);
    const out = await runScheduledBackup(await getCtx(), input);
    for (const f of out.dropFailures) logger.warn('retention could not drop a snapshot', { ...f });
    return out;
  };
}

export const handler = instrument('scheduled-backup', scheduledBackupHandler(getApiContext));
