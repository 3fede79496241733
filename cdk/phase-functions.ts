/**
 * One Lambda per workflow phase of lib/domain/phase-registry.ts: its entry, size and description, and IAM
 * grants from its declared access (the control table is written by every phase: each renews the lock).
 * CANCEL is one function shared by both workflows.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  PHASE_CONTROL_ACCESS, PHASE_NAMES, PHASES, type PhaseName, type PhaseSpec, type TaskOf, phasesOf,
} from '../lib/domain/phase-registry.ts';
import { JobType, type JobTypeValue } from '../lib/domain/states.ts';
import type { BackupTaskName, RestoreTaskName } from '../lib/domain/workflow.ts';
import type { DataStores } from './data-stores.ts';
import { grantAccess } from './function-access.ts';
import type { RepositoryTargets } from './repository-access.ts';
import { StarbackupFunction } from './starbackup-function.ts';

export interface PhaseFunctionsProps {
  stores: DataStores;
  environment: Record<string, string>;
  repositories: RepositoryTargets;
  removalPolicy: RemovalPolicy;
}

/** The construct id of a phase's function: its registry name, capitalized (logical ids stay as they were). */
export const functionId = (name: PhaseName): string => name[0]!.toUpperCase() + name.slice(1);

/** A workflow's Task handlers: each Task state bound to its phase's function. */
export function taskHandlers<W extends JobTypeValue, F>(workflow: W, byPhase: Readonly<Record<PhaseName, F>>): Record<TaskOf<W>, F> {
  return Object.fromEntries(phasesOf(workflow).map((p) => [PHASES[p].task, byPhase[p]])) as Record<TaskOf<W>, F>;
}

export class PhaseFunctions extends Construct {
  readonly functions: Record<PhaseName, lambda.IFunction>;
  readonly backup: Record<BackupTaskName, lambda.IFunction>;
  readonly restore: Record<RestoreTaskName, lambda.IFunction>;

  constructor(scope: Construct, id: string, props: PhaseFunctionsProps) {
    super(scope, id);
    const make = (name: PhaseName): lambda.IFunction => {
      const spec: PhaseSpec = PHASES[name];
      const fn = new StarbackupFunction(this, functionId(name), {
        entry: spec.entry, size: spec.size, description: spec.description,
        environment: props.environment, removalPolicy: props.removalPolicy,
      });
      grantAccess(fn, props.stores, props.repositories, { control: PHASE_CONTROL_ACCESS, ...spec });
      return fn;
    };
    this.functions = Object.fromEntries(PHASE_NAMES.map((name) => [name, make(name)])) as Record<PhaseName, lambda.IFunction>;
    this.backup = taskHandlers(JobType.BACKUP, this.functions);
    this.restore = taskHandlers(JobType.RESTORE, this.functions);
  }
}
