/**
 * The contract between the state machines (cdk/), their handlers (functions/) and the runtimes.
 * Task states carry StarRocks' state names; the Map states fan out over batch references so every
 * payload stays small whatever the size of the database.
 */
export const BackupTask = {
  PENDING: 'PENDING',
  SNAPSHOTING: 'SNAPSHOTING',
  UPLOAD_SNAPSHOT: 'UPLOAD_SNAPSHOT',
  UPLOAD_BATCH: 'UPLOAD_BATCH',
  SAVE_META: 'SAVE_META',
  UPLOAD_INFO: 'UPLOAD_INFO',
  CANCEL: 'CANCEL',
} as const;
export type BackupTaskName = (typeof BackupTask)[keyof typeof BackupTask];

export const RestoreTask = {
  PENDING: 'PENDING',
  SNAPSHOTING: 'SNAPSHOTING',
  DOWNLOAD: 'DOWNLOAD',
  DOWNLOAD_BATCH: 'DOWNLOAD_BATCH',
  COMMIT: 'COMMIT',
  COMMITTING: 'COMMITTING',
  CANCEL: 'CANCEL',
} as const;
export type RestoreTaskName = (typeof RestoreTask)[keyof typeof RestoreTask];

/** Names of the non-Task states of both machines. */
export const FlowState = {
  UPLOADING: 'UPLOADING',
  DOWNLOADING: 'DOWNLOADING',
  FINISHED: 'FINISHED',
  CANCELLED: 'CANCELLED',
  REJECTED: 'REJECTED',
} as const;

/** Execution input: a job already created by the API, or a statement from a console start. */
export type ExecutionInput = { jobId: string } | { statement: string };

export interface JobRef {
  jobId: string;
}

/** Points at a batch manifest in the cluster's staging area; never the file list itself. */
export interface BatchRef {
  ref: string;
  files: number;
  bytes: number;
}

export interface PlanOutput extends JobRef {
  batches: BatchRef[];
}

export interface BatchInput extends JobRef {
  batch: BatchRef;
}

/** What a Catch hands to the cancel task. */
export interface CancelInput {
  jobId?: string;
  error?: { Error?: string; Cause?: string };
}

/** Map concurrency defaults: 0 means "number of cores", as upload_worker_count in StarRocks. */
export interface WorkerCounts {
  upload: number;
  download: number;
}
