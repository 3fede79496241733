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
  /** Inside the Map's item processor: loops back to the batch Task while it returns a continuation. */
  MORE_IN_BATCH: 'MORE_IN_BATCH',
  BATCH_DONE: 'BATCH_DONE',
} as const;

/** Execution input: a job already created by the API, or a statement from a console start. */
export type ExecutionInput = { jobId: string } | { statement: string };

export interface JobRef {
  jobId: string;
}

/**
 * A batch manifest's number in its job's staging area (lib/jobs/staging.ts names the file). A bare number,
 * a few bytes, because the plan's list of them is a state payload: the smaller each is, the more batches a
 * job may have (see MAX_STATE_PAYLOAD_BYTES).
 */
export type BatchRef = number;

export interface PlanOutput extends JobRef {
  batches: BatchRef[];
}

/** What a batch handler returns when its time budget ran out first: the items before `resumeAt` are done. */
export interface BatchContinuation {
  resumeAt: number;
}

/**
 * One batch Task's input: the Map item, plus, from the second invocation of the same batch on, the
 * continuation the previous one returned (the Task's ResultPath, `$.continuation`; null once it is done).
 */
export interface BatchInput extends JobRef {
  batch: BatchRef;
  continuation?: BatchContinuation | null;
}

/** Step Functions' limit on a state's input or output (UTF-8 bytes of its JSON), a hard quota. */
export const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;

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
