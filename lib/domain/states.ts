/** StarRocks' job states (BackupJob.BackupJobState, RestoreJob.RestoreJobState). */
export const BackupState = {
  PENDING: 'PENDING',
  SNAPSHOTING: 'SNAPSHOTING',
  UPLOAD_SNAPSHOT: 'UPLOAD_SNAPSHOT',
  UPLOADING: 'UPLOADING',
  SAVE_META: 'SAVE_META',
  UPLOAD_INFO: 'UPLOAD_INFO',
  FINISHED: 'FINISHED',
  CANCELLED: 'CANCELLED',
} as const;
export type BackupStateValue = (typeof BackupState)[keyof typeof BackupState];

export const RestoreState = {
  PENDING: 'PENDING',
  SNAPSHOTING: 'SNAPSHOTING',
  DOWNLOAD: 'DOWNLOAD',
  DOWNLOADING: 'DOWNLOADING',
  COMMIT: 'COMMIT',
  COMMITTING: 'COMMITTING',
  FINISHED: 'FINISHED',
  CANCELLED: 'CANCELLED',
} as const;
export type RestoreStateValue = (typeof RestoreState)[keyof typeof RestoreState];

export type JobStateValue = BackupStateValue | RestoreStateValue;

export const JobType = { BACKUP: 'BACKUP', RESTORE: 'RESTORE' } as const;
export type JobTypeValue = (typeof JobType)[keyof typeof JobType];

const backupOrder: readonly string[] = Object.values(BackupState);
const restoreOrder: readonly string[] = Object.values(RestoreState);

export function isTerminal(state: string): boolean {
  return state === 'FINISHED' || state === 'CANCELLED';
}

/** Position of a state in its workflow, so a handler can tell whether its phase already ran. */
export function stateRank(type: JobTypeValue, state: string): number {
  const order = type === JobType.BACKUP ? backupOrder : restoreOrder;
  const i = order.indexOf(state);
  if (i < 0) throw new Error(`unknown ${type} state ${state}`);
  return i;
}

/** StarRocks' Status codes, rendered as `[OK]` or `[<CODE>, msg: <message>]`. */
export const StatusCode = {
  OK: 'OK',
  NOT_FOUND: 'NOT_FOUND',
  BAD_FILE: 'BAD_FILE',
  TIMEOUT: 'TIMEOUT',
  COMMON_ERROR: 'COMMON_ERROR',
  BAD_REPLACE: 'BAD_REPLACE',
  UNSUPPORTED: 'UNSUPPORTED',
} as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

export interface JobStatus {
  code: StatusCodeValue;
  msg: string;
}

export function renderStatus(s: JobStatus): string {
  return s.code === StatusCode.OK ? '[OK]' : `[${s.code}, msg: ${s.msg}]`;
}
