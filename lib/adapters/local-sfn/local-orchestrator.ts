/**
 * The embedded Orchestrator: runs the ASL synthesized from cdk/ with aws-local-stepfunctions, binding
 * each Task state to an in-process handler by state name. Failures of the execution are reported
 * through `outcome`, never thrown, so a background job cannot crash the process. The library loads with the
 * definitions, on the first start: a command that starts no job does not pay for it.
 */
import './promise-with-resolvers.ts';
import type { ExecutionError, RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { ErrorName } from '../../domain/errors.ts';
import type { JobTypeValue } from '../../domain/states.ts';
import type { BackupTaskName, ExecutionInput, RestoreTaskName } from '../../domain/workflow.ts';
import type { Execution, Orchestrator } from '../../ports/orchestrator.ts';
import { stateNamesWhere, taskStateNames, withTaskTimeout, type AslDefinition } from './asl-states.ts';

export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface LocalHandlers {
  BACKUP: Readonly<Record<BackupTaskName, TaskHandler>>;
  RESTORE: Readonly<Record<RestoreTaskName, TaskHandler>>;
}

export interface LocalOrchestratorOptions {
  /** Called once, on the first start; synthesizing costs a few hundred ms that most commands never need. */
  definitions: () => Promise<{ backup: AslDefinition; restore: AslDefinition }>;
  handlers: LocalHandlers;
  /** Pause before every Step Functions retry. The definitions' intervals are sized for Lambda, not one process. */
  retryDelayMs?: number;
  /**
   * Check the definitions with asl-validator first. Off by default: it costs 100-300 ms per machine
   * at every process start, and the synthesized definitions are validated by the test suite.
   */
  validate?: boolean;
  /**
   * Overrides every Task state's TimeoutSeconds (tests use a short one to inject timeouts). A timed-out
   * handler keeps running in the background, as a Lambda invocation outlives its Task's timeout.
   */
  taskTimeoutSeconds?: number;
  /**
   * Called when an execution starts; the function it returns is awaited when the execution ends, before
   * `done` resolves (the embedded runtime keeps a job's heartbeat and checks the job ended). For an
   * abandoned execution it gets status ABORTED and must only let go of its resources, as a killed process would.
   */
  watch?: (workflow: JobTypeValue, input: ExecutionInput) => ((outcome: LocalOutcome) => Promise<void>) | undefined;
}

export interface LocalOutcome {
  /** ABORTED: abandoned with `abandon`, as a killed process leaves it. */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** Top-level states entered, in order; Map iterations are not listed. */
  states: string[];
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface LocalExecution extends Execution {
  done: Promise<void>;
  outcome: Promise<LocalOutcome>;
}

type JsonValue = Parameters<StateMachine['run']>[0];
type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];
type Overrides = NonNullable<RunOptions['overrides']>;
type Asl = typeof import('aws-local-stepfunctions');
interface Prepared {
  machine: StateMachine;
  overrides: Overrides;
  /** The library's class of a failed execution, to unwrap its cause. */
  executionError: typeof ExecutionError;
}

export class LocalOrchestrator implements Orchestrator {
  private prepared?: Promise<Record<JobTypeValue, Prepared>>;
  private readonly running = new Map<string, { input: string; execution: LocalExecution; abort: () => void }>();

  constructor(private readonly options: LocalOrchestratorOptions) {}

  async start(workflow: JobTypeValue, input: ExecutionInput, name: string): Promise<LocalExecution> {
    const { machine, overrides, executionError } = (await this.load())[workflow];
    const key = `${workflow}:${name}`;
    const inputJson = JSON.stringify(input);
    const existing = this.running.get(key);
    if (existing) {
      // StartExecution is idempotent for a running execution with the same name and input.
      if (existing.input === inputJson) return existing.execution;
      throw namedError('ExecutionAlreadyExists', `execution ${name} of ${workflow} is already running`);
    }
    const executionId = `arn:aws:states:local:000000000000:execution:starbackup-${workflow.toLowerCase()}:${name}`;
    const run = machine.run(JSON.parse(inputJson) as JsonValue, {
      overrides,
      context: { Execution: { Id: executionId, Name: name } },
    });
    const states: string[] = [];
    let abandoned = false;
    const settled = this.options.watch?.(workflow, input);
    const outcome = Promise.all([run.result.then(succeeded(states), failed(states, executionError)), recordStates(run.eventLogs, states)])
      .then(async ([result]) => {
        const end: LocalOutcome = abandoned ? { status: 'ABORTED', states } : result;
        await settled?.(end).catch(() => undefined);
        return end;
      })
      .finally(() => this.running.delete(key));
    const execution: LocalExecution = { executionId, outcome, done: outcome.then(() => undefined) };
    this.running.set(key, { input: inputJson, execution, abort: () => ((abandoned = true), run.abort()) });
    return execution;
  }

  /**
   * Stops an execution where it stands, without running any Catch or cancel path: what a killed process
   * leaves behind. A handler already running is not interrupted (it cannot be), but its result is ignored.
   */
  abandon(workflow: JobTypeValue, name: string): boolean {
    const entry = this.running.get(`${workflow}:${name}`);
    entry?.abort();
    return entry !== undefined;
  }

  /** Resolves once no execution is running, e.g. before the process exits. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.execution.done));
  }

  private load(): Promise<Record<JobTypeValue, Prepared>> {
    this.prepared ??= this.prepare().catch((err: unknown) => {
      this.prepared = undefined; // let a later start try again
      throw err;
    });
    return this.prepared;
  }

  private async prepare(): Promise<Record<JobTypeValue, Prepared>> {
    const [{ backup, restore }, asl] = await Promise.all([this.options.definitions(), import('aws-local-stepfunctions')]);
    return {
      BACKUP: this.prepareOne(asl, backup, this.options.handlers.BACKUP),
      RESTORE: this.prepareOne(asl, restore, this.options.handlers.RESTORE),
    };
  }

  private prepareOne(asl: Asl, definition: AslDefinition, handlers: Readonly<Record<string, TaskHandler>>): Prepared {
    // Without a local handler the library would invoke the Task's Lambda ARN for real.
    const missing = taskStateNames(definition).filter((state) => !Object.hasOwn(handlers, state));
    if (missing.length > 0) throw new Error(`no local handler for Task state(s) ${missing.join(', ')}`);
    const delay = this.options.retryDelayMs ?? 100;
    return {
      machine: new asl.StateMachine(withTaskTimeout(definition, this.options.taskTimeoutSeconds) as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: !this.options.validate },
      }),
      executionError: asl.ExecutionError,
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          Object.entries(handlers).map(([state, handler]) => [state, bindHandler(handler)]),
        ),
        retryIntervalOverrides: Object.fromEntries(
          stateNamesWhere(definition, (state) => 'Retry' in state).map((state) => [state, delay]),
        ),
      },
    };
  }
}

/**
 * Gives a handler Lambda's contract: output crosses a JSON boundary, and a thrown error keeps its
 * `name` (aws-local-stepfunctions matches Retry/Catch on `error.name`) while its message becomes the
 * JSON document Lambda puts in `Cause`, so the cancel path sees the same shape as in the cloud.
 */
function bindHandler(handler: TaskHandler): (input: JsonValue) => Promise<JsonValue> {
  return async (input) => {
    let output: unknown;
    try {
      output = await handler(input);
    } catch (err) {
      const name = err instanceof Error && err.name ? err.name : ErrorName.Internal;
      const message = err instanceof Error ? err.message : String(err);
      throw namedError(name, JSON.stringify({ errorType: name, errorMessage: message }));
    }
    return JSON.parse(JSON.stringify(output ?? null)) as JsonValue;
  };
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

const succeeded = (states: string[]) => (output: unknown): LocalOutcome => ({ status: 'SUCCEEDED', states, output });

const failed = (states: string[], executionError: typeof ExecutionError) => (err: unknown): LocalOutcome => {
  // A Fail state surfaces as an ExecutionError whose cause is named after the Fail state's Error.
  const reason = err instanceof executionError ? err.cause : err;
  return reason instanceof Error
    ? { status: 'FAILED', states, error: reason.name, cause: reason.message }
    : { status: 'FAILED', states, error: ErrorName.Internal, cause: String(reason) };
};

/** Drains the event log (it buffers every event until read) and keeps the top-level state path. */
async function recordStates(events: EventLogs, states: string[]): Promise<void> {
  try {
    for await (const event of events) {
      if (event.type === 'StateEntered' && event.index === undefined) states.push(event.state.name);
    }
  } catch {
    // The execution's result reports what went wrong; the log is only a trace.
  }
}
