import type { ExecutionInput } from '../domain/workflow.ts';
import type { JobTypeValue } from '../domain/states.ts';

export interface Execution {
  executionId: string;
  /** Resolves when the execution ends (embedded runtime only; the cloud returns at once). */
  done?: Promise<void>;
}

/** Starts a workflow execution: Step Functions in the cloud, aws-local-stepfunctions embedded. */
export interface Orchestrator {
  start(workflow: JobTypeValue, input: ExecutionInput, name: string): Promise<Execution>;
}
