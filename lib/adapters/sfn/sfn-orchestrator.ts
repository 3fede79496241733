import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ConditionFailedError, InternalError, StorageError } from '../../domain/errors.ts';
import type { JobTypeValue } from '../../domain/states.ts';
import type { ExecutionInput } from '../../domain/workflow.ts';
import type { Execution, Orchestrator } from '../../ports/orchestrator.ts';

/** The state machine each workflow runs on; a missing one is a deployment mistake, reported when used. */
export type StateMachineArns = Partial<Record<JobTypeValue, string>>;

/** Names of the environment variables the stack sets for functions that start executions. */
export const StateMachineEnv = {
  BACKUP: 'BACKUP_STATE_MACHINE_ARN',
  RESTORE: 'RESTORE_STATE_MACHINE_ARN',
} as const satisfies Record<JobTypeValue, string>;

export function stateMachineArnsFromEnv(env: Record<string, string | undefined>): StateMachineArns {
  const arns: StateMachineArns = {};
  for (const [type, name] of Object.entries(StateMachineEnv) as [JobTypeValue, string][]) {
    const arn = env[name];
    if (arn) arns[type] = arn;
  }
  return arns;
}

/** Step Functions errors that say "try again later" rather than "this request is wrong". */
const TRANSIENT = new Set(['ThrottlingException', 'ServiceUnavailable', 'InternalServerError', 'TimeoutError', 'RequestTimeout']);

/**
 * The cloud Orchestrator: StartExecution on a Standard state machine, named after the job. Step Functions
 * makes a start with the same name and input idempotent while the execution runs, which is what lets the API
 * handler be retried safely; a reused name with another input is a conflict.
 */
export class SfnOrchestrator implements Orchestrator {
  constructor(private readonly arns: StateMachineArns, private readonly client = new SFNClient({})) {}

  async start(workflow: JobTypeValue, input: ExecutionInput, name: string): Promise<Execution> {
    const stateMachineArn = this.arns[workflow];
    if (!stateMachineArn) throw new InternalError(`no state machine is configured for ${workflow} (${StateMachineEnv[workflow]} is not set)`);
    try {
      const out = await this.client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      if (!out.executionArn) throw new InternalError(`Step Functions started ${workflow} execution ${name} but returned no execution ARN`);
      return { executionId: out.executionArn };
    } catch (e) {
      throw mapSfnError(e, workflow, name);
    }
  }
}

/** Keeps the SDK's error name (never its request details) and gives it one of our stable names. */
export function mapSfnError(e: unknown, workflow: string, name: string): Error {
  if (e instanceof InternalError) return e;
  const code = (e as { name?: string }).name ?? 'UnknownError';
  const what = `Step Functions could not start ${workflow} execution ${name}: ${code}`;
  if (code === 'ExecutionAlreadyExists') return new ConditionFailedError(what, { cause: e });
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  const transient = TRANSIENT.has(code) || status >= 500 || (e as { $retryable?: unknown }).$retryable !== undefined;
  if (transient) return new StorageError(what, true, { cause: e });
  return new InternalError(what, { cause: e });
}
