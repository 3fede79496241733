/**
 * The contract between the state machines (cdk/), their handlers (functions/) and the runtimes.
 * Task states carry StarRocks' state names; the Map states fan out over batch references so every
 * payload stays small whatever the size of the database. The Task names come from the phase registry
 * (phase-registry.ts); the payloads each phase role takes and returns are at the end of this file.
 */
import { type PhaseRole, taskNames, type TaskOf } from './phase-registry.ts';
import { JobType } from './states.ts';

export const BackupTask = taskNames(JobType.BACKUP);
export type BackupTaskName = TaskOf<typeof JobType.BACKUP>;

export const RestoreTask = taskNames(JobType.RESTORE);
export type RestoreTaskName = TaskOf<typeof JobType.RESTORE>;

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

/** Execution input: a job already created by the API, or a statement from a console start and the user it runs as. */
export type ExecutionInput = { jobId: string } | { statement: string; user?: string };

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
  /** make_snapshot_worker_count: partitions whose manifests SNAPSHOTING reads at once. */
  makeSnapshot?: number;
  /** release_snapshot_worker_count: staging files a finished or cancelled job deletes at once. */
  releaseSnapshot?: number;
}

/** What a phase of each role is invoked with: the Task's payload (cdk/workflows/job-workflow.ts). */
export interface PhaseInputs {
  /** The execution input itself. */
  start: ExecutionInput;
  step: JobRef;
  plan: JobRef;
  /** The Map item, plus the continuation of the batch's previous invocation. */
  batch: BatchInput;
  /** The job reference and the error the Catch caught. */
  cancel: CancelInput;
}

/** What a phase of each role returns: the next state's input (a plan's names the batches of the Map after it). */
export interface PhaseOutputs {
  start: JobRef;
  step: JobRef;
  plan: PlanOutput;
  /** null when the batch is done, else where its next invocation resumes. */
  batch: BatchContinuation | null;
  /** null when there was no job to cancel. */
  cancel: JobRef | null;
}

export type PhaseInput<R extends PhaseRole> = PhaseInputs[R];
export type PhaseOutput<R extends PhaseRole> = PhaseOutputs[R];
