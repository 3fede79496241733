import { BackupState, JobType, type JobStateValue, type JobTypeValue, RestoreState } from './states.ts';

/**
 * The workflow phases, each written down once. Everything else is derived from this table: the Task names
 * (workflow.ts BackupTask, RestoreTask), the state machines' chains (cdk/workflows), one Lambda per phase
 * and its IAM grants (cdk/phase-functions.ts), the handler map (functions/phase-handlers.ts, checked
 * against PhaseName at compile time), the embedded bindings (bin/task-bindings.ts) and the context each
 * phase is handed there, narrowed to its declared access (lib/jobs/scoped-context.ts). Adding a phase is
 * one entry here and its handler in functions/phase-handlers.ts.
 */

/** How much of a resource a function may use: nothing, reads (get, list), or reads and writes. */
export type Access = 'none' | 'read' | 'write';

/** The key that seals credentials at rest: not at all, open sealed values, or also seal new ones. */
export type SealerAccess = 'none' | 'unseal' | 'seal';

/** What a function may touch, in the words both the IAM grants (cdk/) and the embedded narrowing use. */
export interface FunctionAccess {
  /** Jobs, locks, repositories' records. */
  control: Access;
  /** The cluster catalog: databases, tables, views, functions, external catalogs. */
  catalog: Access;
  /** The cluster's data prefix: segment files and job staging. */
  data: Access;
  /** Repository locations (what ctx.openLocation opens). */
  repositories: Access;
  sealer: SealerAccess;
}

/** A phase declares all but the control table, which every phase writes: each renews its job's lock. */
export type PhaseAccess = Omit<FunctionAccess, 'control'>;
export const PHASE_CONTROL_ACCESS = 'write' satisfies Access;

/**
 * Where a phase stands in its workflow's chain, which fixes its payloads (workflow.ts PhaseInput):
 * `start` takes the execution input and fails to REJECTED; `step` and `plan` take the job reference, `plan`
 * returning the batches; `batch` runs once per batch inside the Map named after the state it enters;
 * `cancel` is where every failure after `start` goes.
 */
export type PhaseRole = 'start' | 'step' | 'plan' | 'batch' | 'cancel';

/** The function size a phase needs (cdk/starbackup-function.ts gives each its memory and timeout). */
export type PhaseSize = 'light' | 'step' | 'finish' | 'batch';

export interface PhaseSpec extends PhaseAccess {
  /** The Task state's name, a StarRocks state name. */
  task: string;
  /** The workflows whose state machine runs it; in each, phases run in this table's order. */
  workflows: readonly JobTypeValue[];
  role: PhaseRole;
  /** The state the phase enters (lib/jobs/job-guard.ts enterPhase); null: any state (CANCEL). */
  enters: JobStateValue | null;
  /** The state it leaves the job in (its last `advance`); a batch leaves the job where it found it. */
  leavesTo: JobStateValue;
  /** The Lambda entry point: functions/<entry>.ts. */
  entry: string;
  size: PhaseSize;
  /** The Lambda function's description. */
  description: string;
}

const { BACKUP, RESTORE } = JobType;

export const PHASES = {
  backupPending: {
    task: 'PENDING', workflows: [BACKUP], role: 'start', enters: BackupState.PENDING, leavesTo: BackupState.SNAPSHOTING,
    entry: 'backup-pending', size: 'light', description: 'BACKUP PENDING: accept the job, or submit a console statement',
    // A PENDING that finds its job cancelled or timed out cancels it itself (lib/jobs/pending.ts: a failed
    // PENDING goes to REJECTED, not CANCEL), and CANCEL's clean-up deletes the job's __info and __meta from
    // the repository and clears its staging.
    catalog: 'read', data: 'write', repositories: 'write', sealer: 'unseal',
  },
  backupSnapshoting: {
    task: 'SNAPSHOTING', workflows: [BACKUP], role: 'step', enters: BackupState.SNAPSHOTING, leavesTo: BackupState.UPLOAD_SNAPSHOT,
    entry: 'backup-snapshoting', size: 'step', description: 'BACKUP SNAPSHOTING: pin partition versions, copy the catalog',
    catalog: 'read', data: 'write', repositories: 'none', sealer: 'none',
  },
  uploadSnapshot: {
    task: 'UPLOAD_SNAPSHOT', workflows: [BACKUP], role: 'plan', enters: BackupState.UPLOAD_SNAPSHOT, leavesTo: BackupState.UPLOADING,
    entry: 'upload-snapshot', size: 'step', description: 'BACKUP UPLOAD_SNAPSHOT: write __meta, find missing blobs, write batches',
    catalog: 'none', data: 'write', repositories: 'write', sealer: 'unseal',
  },
  uploadBatch: {
    task: 'UPLOAD_BATCH', workflows: [BACKUP], role: 'batch', enters: BackupState.UPLOADING, leavesTo: BackupState.UPLOADING,
    entry: 'upload-batch', size: 'batch', description: 'BACKUP UPLOADING: upload one batch of segments',
    catalog: 'none', data: 'read', repositories: 'write', sealer: 'unseal',
  },
  saveMeta: {
    task: 'SAVE_META', workflows: [BACKUP], role: 'step', enters: BackupState.SAVE_META, leavesTo: BackupState.UPLOAD_INFO,
    entry: 'save-meta', size: 'step', description: 'BACKUP SAVE_META: after the garbage collections seen, check every blob __meta names, upload again any collected meanwhile',
    catalog: 'none', data: 'read', repositories: 'write', sealer: 'unseal',
  },
  uploadInfo: {
    task: 'UPLOAD_INFO', workflows: [BACKUP], role: 'step', enters: BackupState.UPLOAD_INFO, leavesTo: BackupState.FINISHED,
    entry: 'upload-info', size: 'step', description: 'BACKUP UPLOAD_INFO: write __info, index the snapshot, unlock',
    catalog: 'none', data: 'write', repositories: 'write', sealer: 'unseal',
  },
  restorePending: {
    task: 'PENDING', workflows: [RESTORE], role: 'start', enters: RestoreState.PENDING, leavesTo: RestoreState.SNAPSHOTING,
    entry: 'restore-pending', size: 'light', description: 'RESTORE PENDING: accept the job, or submit a console statement',
    // As backupPending: a PENDING that cancels its job reads and clears the job's staging.
    catalog: 'read', data: 'write', repositories: 'read', sealer: 'unseal',
  },
  restoreSnapshoting: {
    task: 'SNAPSHOTING', workflows: [RESTORE], role: 'step', enters: RestoreState.SNAPSHOTING, leavesTo: RestoreState.DOWNLOAD,
    entry: 'restore-snapshoting', size: 'step', description: 'RESTORE SNAPSHOTING: read the snapshot, check overwrites, hold tables',
    // An external catalog's credentials are sealed again under the name it is restored as (kms:Encrypt).
    catalog: 'write', data: 'write', repositories: 'read', sealer: 'seal',
  },
  restoreDownload: {
    task: 'DOWNLOAD', workflows: [RESTORE], role: 'plan', enters: RestoreState.DOWNLOAD, leavesTo: RestoreState.DOWNLOADING,
    entry: 'restore-download', size: 'step', description: 'RESTORE DOWNLOAD: plan the download batches',
    catalog: 'none', data: 'write', repositories: 'read', sealer: 'unseal',
  },
  downloadBatch: {
    task: 'DOWNLOAD_BATCH', workflows: [RESTORE], role: 'batch', enters: RestoreState.DOWNLOADING, leavesTo: RestoreState.DOWNLOADING,
    entry: 'download-batch', size: 'batch', description: 'RESTORE DOWNLOADING: download one batch of blobs',
    catalog: 'none', data: 'write', repositories: 'read', sealer: 'unseal',
  },
  restoreCommit: {
    task: 'COMMIT', workflows: [RESTORE], role: 'step', enters: RestoreState.COMMIT, leavesTo: RestoreState.COMMITTING,
    entry: 'restore-commit', size: 'step', description: 'RESTORE COMMIT: prepare the table versions to publish',
    catalog: 'write', data: 'write', repositories: 'none', sealer: 'none',
  },
  restoreCommitting: {
    task: 'COMMITTING', workflows: [RESTORE], role: 'step', enters: RestoreState.COMMITTING, leavesTo: RestoreState.FINISHED,
    entry: 'restore-committing', size: 'finish', description: 'RESTORE COMMITTING: publish each table, unlock',
    catalog: 'write', data: 'write', repositories: 'none', sealer: 'none',
  },
  // CANCEL leaves a job CANCELLED, except a restore already COMMITTING, which it rolls forward to FINISHED.
  cancelJob: {
    task: 'CANCEL', workflows: [BACKUP, RESTORE], role: 'cancel', enters: null, leavesTo: BackupState.CANCELLED,
    entry: 'cancel-job', size: 'finish', description: 'CANCEL: clean up, give tables back, unlock',
    catalog: 'write', data: 'write', repositories: 'write', sealer: 'unseal',
  },
} as const satisfies Record<string, PhaseSpec>;

export type Phases = typeof PHASES;
export type PhaseName = keyof Phases;
/** The registry's shape, for a copy with other declarations (tests narrow a phase further). */
export type PhaseRegistry = { readonly [P in PhaseName]: PhaseSpec };

/** Every phase, in the registry's order. */
export const PHASE_NAMES = Object.keys(PHASES) as PhaseName[];

/** The phases a workflow's state machine runs. */
export type PhaseOf<W extends JobTypeValue> = { [P in PhaseName]: W extends Phases[P]['workflows'][number] ? P : never }[PhaseName];
/** A workflow's Task state names. */
export type TaskOf<W extends JobTypeValue> = Phases[PhaseOf<W>]['task'];
export type RoleOf<P extends PhaseName> = Phases[P]['role'];

/** A workflow's phases, in the order its chain runs them (the cancel phase included, last in its own right). */
export function phasesOf<W extends JobTypeValue>(workflow: W, registry: PhaseRegistry = PHASES): PhaseOf<W>[] {
  return PHASE_NAMES.filter((p) => registry[p].workflows.includes(workflow)) as PhaseOf<W>[];
}

/** `{ PENDING: 'PENDING', … }`: a workflow's Task names by themselves, in chain order. */
export function taskNames<W extends JobTypeValue>(workflow: W): { readonly [T in TaskOf<W>]: T } {
  return Object.fromEntries(phasesOf(workflow).map((p) => [PHASES[p].task, PHASES[p].task])) as { readonly [T in TaskOf<W>]: T };
}

/** A workflow's chain by role: what the state machine builder lays out. */
export interface WorkflowChain<W extends JobTypeValue> {
  start: PhaseOf<W>;
  /** After start, in order: steps, a plan, its batch (run in a Map), more steps. */
  body: PhaseOf<W>[];
  cancel: PhaseOf<W>;
}

/**
 * Checks that a workflow's phases make a chain the state machine can run: one start, first; one cancel;
 * each batch right after a plan (the plan's output names the batches). Throws naming what is wrong.
 */
export function workflowChain<W extends JobTypeValue>(workflow: W, registry: PhaseRegistry = PHASES): WorkflowChain<W> {
  const phases = phasesOf(workflow, registry);
  const role = (p: PhaseName) => registry[p].role;
  const fail = (why: string): never => { throw new Error(`The ${workflow} phases in lib/domain/phase-registry.ts ${why}`); };
  const cancels = phases.filter((p) => role(p) === 'cancel');
  if (cancels.length !== 1) fail(`have ${cancels.length} cancel phases, not one`);
  const [start, ...body] = phases.filter((p) => role(p) !== 'cancel');
  if (start === undefined || role(start) !== 'start') fail('do not begin with a start phase');
  if (body.some((p) => role(p) === 'start')) fail('have more than one start phase');
  body.forEach((p, i) => {
    const next = body[i + 1];
    if (role(p) === 'plan' && (next === undefined || role(next) !== 'batch')) fail(`have plan ${p} without a batch after it`);
    if (role(p) === 'batch' && (i === 0 || role(body[i - 1]!) !== 'plan')) fail(`have batch ${p} without a plan before it`);
  });
  const tasks = phases.map((p) => registry[p].task);
  if (new Set(tasks).size !== tasks.length) fail(`name a Task twice: ${tasks.join(', ')}`);
  return { start: start!, body, cancel: cancels[0]! };
}
