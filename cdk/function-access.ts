/**
 * A function's IAM grants from its declared access (lib/domain/phase-registry.ts FunctionAccess): the phases'
 * come from the registry; the functions that are not phases (API, scheduled backup, recovery sweep) declare
 * theirs below in the same words.
 */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { FunctionAccess } from '../lib/domain/phase-registry.ts';
import type { DataStores } from './data-stores.ts';
import { type RepositoryTargets, grantRepositories } from './repository-access.ts';

/**
 * Every statement runs in the API: the cluster's DDL/DML, CREATE REPOSITORY (seals), and the synchronous part
 * of BACKUP/RESTORE, so it gets the union of what the phases get, and seals.
 */
export const API_ACCESS = { control: 'write', catalog: 'write', data: 'write', repositories: 'write', sealer: 'seal' } as const satisfies FunctionAccess;

/** BACKUP with a generated label, then retention, which runs DROP SNAPSHOT: it deletes from the repository. */
export const SCHEDULED_BACKUP_ACCESS = { control: 'write', catalog: 'read', data: 'none', repositories: 'write', sealer: 'unseal' } as const satisfies FunctionAccess;

/** The recovery sweep re-runs CANCEL and the commit steps, so it needs what those phases need. */
export const RECOVERY_SWEEP_ACCESS = { control: 'write', catalog: 'write', data: 'write', repositories: 'write', sealer: 'unseal' } as const satisfies FunctionAccess;

export function grantAccess(fn: iam.IGrantable & IConstruct, stores: DataStores, repositories: RepositoryTargets, access: FunctionAccess): void {
  stores.grantControl(fn, access.control);
  stores.grantCatalog(fn, access.catalog);
  stores.grantData(fn, access.data);
  if (access.sealer !== 'none') stores.grantSealingKey(fn, access.sealer);
  grantRepositories(fn, repositories, access.repositories);
}
