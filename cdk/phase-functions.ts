/**
 * One Lambda per workflow phase, each granted only what its phase touches (read from lib/jobs: which
 * stores a phase reads, writes or opens). CANCEL is one function shared by both workflows.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { BackupTaskName, RestoreTaskName } from '../lib/domain/workflow.ts';
import type { Access, DataStores } from './data-stores.ts';
import { type RepositoryTargets, grantRepositories } from './repository-access.ts';
import { type FunctionSizeName, StarbackupFunction } from './starbackup-function.ts';

export interface PhaseSpec {
  entry: string;
  size: FunctionSizeName;
  description: string;
  catalog: Access;
  /** The cluster's data prefix (segments, staging). The control table is written by every phase: each renews the lock. */
  data: Access;
  /** Phases that open a repository unseal its credentials. */
  unseal: boolean;
  repositories: Access;
}

export const PHASES = {
  backupPending: { entry: 'backup-pending', size: 'light', description: 'BACKUP PENDING: accept the job, or submit a console statement', catalog: 'read', data: 'none', unseal: true, repositories: 'read' },
  backupSnapshoting: { entry: 'backup-snapshoting', size: 'step', description: 'BACKUP SNAPSHOTING: pin partition versions, copy the catalog', catalog: 'read', data: 'write', unseal: false, repositories: 'none' },
  uploadSnapshot: { entry: 'upload-snapshot', size: 'step', description: 'BACKUP UPLOAD_SNAPSHOT: write __meta, find missing blobs, write batches', catalog: 'none', data: 'write', unseal: true, repositories: 'write' },
  uploadBatch: { entry: 'upload-batch', size: 'batch', description: 'BACKUP UPLOADING: upload one batch of segments', catalog: 'none', data: 'read', unseal: true, repositories: 'write' },
  saveMeta: { entry: 'save-meta', size: 'step', description: 'BACKUP SAVE_META: check every blob __meta names, upload again any collected meanwhile', catalog: 'none', data: 'read', unseal: true, repositories: 'write' },
  uploadInfo: { entry: 'upload-info', size: 'step', description: 'BACKUP UPLOAD_INFO: write __info, index the snapshot, unlock', catalog: 'none', data: 'write', unseal: true, repositories: 'write' },
  cancelJob: { entry: 'cancel-job', size: 'finish', description: 'CANCEL: clean up, give tables back, unlock', catalog: 'write', data: 'write', unseal: true, repositories: 'write' },
  restorePending: { entry: 'restore-pending', size: 'light', description: 'RESTORE PENDING: accept the job, or submit a console statement', catalog: 'read', data: 'none', unseal: true, repositories: 'read' },
  restoreSnapshoting: { entry: 'restore-snapshoting', size: 'step', description: 'RESTORE SNAPSHOTING: read the snapshot, check overwrites, hold tables', catalog: 'write', data: 'write', unseal: true, repositories: 'read' },
  restoreDownload: { entry: 'restore-download', size: 'step', description: 'RESTORE DOWNLOAD: plan the download batches', catalog: 'none', data: 'write', unseal: true, repositories: 'read' },
  downloadBatch: { entry: 'download-batch', size: 'batch', description: 'RESTORE DOWNLOADING: download one batch of blobs', catalog: 'none', data: 'write', unseal: true, repositories: 'read' },
  restoreCommit: { entry: 'restore-commit', size: 'step', description: 'RESTORE COMMIT: prepare the table versions to publish', catalog: 'write', data: 'write', unseal: false, repositories: 'none' },
  restoreCommitting: { entry: 'restore-committing', size: 'finish', description: 'RESTORE COMMITTING: publish each table, unlock', catalog: 'write', data: 'write', unseal: false, repositories: 'none' },
} as const satisfies Record<string, PhaseSpec>;
export type PhaseName = keyof typeof PHASES;

export interface PhaseFunctionsProps {
  stores: DataStores;
  environment: Record<string, string>;
  repositories: RepositoryTargets;
  removalPolicy: RemovalPolicy;
}

export class PhaseFunctions extends Construct {
  readonly functions: Record<PhaseName, lambda.IFunction>;
  readonly backup: Record<BackupTaskName, lambda.IFunction>;
  readonly restore: Record<RestoreTaskName, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: PhaseFunctionsProps) {
    super(scope, id);
    const make = (name: PhaseName, spec: PhaseSpec): lambda.IFunction => {
      const fn = new StarbackupFunction(this, name[0]!.toUpperCase() + name.slice(1), {
        entry: spec.entry, size: spec.size, description: spec.description,
        environment: props.environment, removalPolicy: props.removalPolicy,
      });
      props.stores.grantControl(fn, 'write');
      props.stores.grantCatalog(fn, spec.catalog);
      props.stores.grantData(fn, spec.data);
      if (spec.unseal) props.stores.grantSealingKey(fn, 'unseal');
      grantRepositories(fn, props.repositories, spec.repositories);
      return fn;
    };
    const fns = Object.fromEntries(Object.entries(PHASES).map(([name, spec]) => [name, make(name as PhaseName, spec)]));
    this.functions = fns as Record<PhaseName, lambda.IFunction>;
    const f = this.functions;
    this.backup = {
      PENDING: f.backupPending, SNAPSHOTING: f.backupSnapshoting, UPLOAD_SNAPSHOT: f.uploadSnapshot,
      UPLOAD_BATCH: f.uploadBatch, SAVE_META: f.saveMeta, UPLOAD_INFO: f.uploadInfo, CANCEL: f.cancelJob,
    };
    this.restore = {
      PENDING: f.restorePending, SNAPSHOTING: f.restoreSnapshoting, DOWNLOAD: f.restoreDownload,
      DOWNLOAD_BATCH: f.downloadBatch, COMMIT: f.restoreCommit, COMMITTING: f.restoreCommitting, CANCEL: f.cancelJob,
    };
  }
}
