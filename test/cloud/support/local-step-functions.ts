/**
 * Step Functions for the harness: the template's state machines, resolved, run by aws-local-stepfunctions
 * (the DISTRIBUTED Map switched to INLINE, which the library runs), each Task dispatched by its Resource
 * ARN to that function's environments after the IAM gate checked the state machine's role may invoke it.
 */
// Node 20 has no Promise.withResolvers, which aws-local-stepfunctions calls; the embedded runtime's polyfill.
import '../../../lib/adapters/local-sfn/promise-with-resolvers.ts';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ACCOUNT, type CloudTemplate, REGION } from './cloud-template.ts';
import type { StepFunctionsService } from './gate-json.ts';
import type { IamGate, Principal } from './iam-gate.ts';
import { LambdaFunctionError, type LambdaFunction } from './lambda-pool.ts';

type State = Record<string, any>;
interface Definition { StartAt: string; States: Record<string, State> }

export interface ExecutionOutcome {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: string;
  cause?: string;
}

interface Machine { arn: string; roleArn: string; name: string; run: StateMachine; handlers: Record<string, (input: any) => Promise<any>> }
interface Execution { arn: string; machine: string; input: string; startDate: number; status: 'RUNNING' | ExecutionOutcome['status']; outcome: Promise<ExecutionOutcome>; abort: () => void }

export class LocalStepFunctions implements StepFunctionsService {
  readonly machines = new Map<string, Machine>();
  readonly executions = new Map<string, Execution>();
  /** Failures of the harness itself (a Task it could not dispatch): the test reports them. */
  readonly problems: string[] = [];
  private readonly holds = new Map<string, { reached: (input: unknown) => void; release: Promise<void> }>();

  constructor(t: CloudTemplate, gate: IamGate, functionsByArn: Map<string, LambdaFunction>) {
    for (const id of t.ofType('AWS::StepFunctions::StateMachine')) {
      const props = t.resource(id).Properties!;
      const arn = t.ref(id);
      const roleArn = t.resolveString(props['RoleArn']!);
      const definition = JSON.parse(t.resolveString(props['DefinitionString']!)) as Definition;
      const role: Principal = { name: `${id} (state machine role)`, roleArn };
      const handlers: Machine['handlers'] = {};
      visit(definition, (name, state) => {
        if (state['Type'] === 'Map' && state['ItemProcessor']?.['ProcessorConfig']?.['Mode'] === 'DISTRIBUTED') {
          // A DISTRIBUTED Map starts child executions of its own state machine: the role needs that.
          gate.check(role, 'states:StartExecution', arn);
          state['ItemProcessor']['ProcessorConfig'] = { Mode: 'INLINE' };
          for (const k of ['ItemReader', 'ResultWriter', 'ItemBatcher', 'Label', 'ToleratedFailureCount', 'ToleratedFailurePercentage']) delete state[k];
        }
        if (state['Type'] !== 'Task') return;
        const fnArn = state['Resource'] === 'arn:aws:states:::lambda:invoke' ? state['Parameters']?.['FunctionName'] : state['Resource'];
        const fn = functionsByArn.get(String(fnArn).replace(/:\$LATEST$/, ''));
        if (!fn) throw new Error(`state ${name} of ${id} invokes ${fnArn}, which is no function of the template`);
        handlers[name] = async (input) => {
          const hold = this.holds.get(name);
          if (hold) {
            this.holds.delete(name);
            hold.reached(input);
            await hold.release;
          }
          if (!gate.check(role, 'lambda:InvokeFunction', String(fnArn))) throw namedError('Lambda.AWSLambdaException', `${roleArn} is not authorized to perform: lambda:InvokeFunction on resource: ${fnArn}`);
          try {
            return await fn.invoke(input);
          } catch (e) {
            if (e instanceof LambdaFunctionError) throw namedError(e.payload.errorType, JSON.stringify(e.payload));
            this.problems.push(`${name}: ${(e as Error).stack}`);
            throw namedError('Lambda.ServiceException', String(e));
          }
        };
      });
      const run = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
      this.machines.set(arn, { arn, roleArn, name: t.getAtt(id, 'Name'), run, handlers });
    }
  }

  startExecution(stateMachineArn: string, name: string | undefined, input: string, _caller?: Principal): { executionArn: string; startDate: number } {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw Object.assign(new Error(`State Machine Does Not Exist: '${stateMachineArn}'`), { type: 'StateMachineDoesNotExist' });
    const executionName = name ?? crypto.randomUUID();
    const arn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine.name}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // Standard workflows: the same name and input while running is the same execution; anything else is a conflict.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: arn, startDate: existing.startDate };
      throw Object.assign(new Error(`Execution Already Exists: '${arn}'`), { type: 'ExecutionAlreadyExists' });
    }
    const retryIntervalOverrides: Record<string, number> = {};
    for (const state of Object.keys(machine.handlers)) retryIntervalOverrides[state] = 20;
    retryIntervalOverrides['UPLOADING'] = retryIntervalOverrides['DOWNLOADING'] = 20;
    const execution = machine.run.run(JSON.parse(input), {
      overrides: { taskResourceLocalHandlers: machine.handlers, retryIntervalOverrides },
      context: { Execution: { Id: arn, Name: executionName, Input: JSON.parse(input), StartTime: new Date().toISOString() } },
    });
    const record: Execution = {
      arn, machine: stateMachineArn, input, startDate: Date.now() / 1000, status: 'RUNNING', abort: () => execution.abort(),
      outcome: execution.result.then(
        (output): ExecutionOutcome => ({ status: 'SUCCEEDED', output }),
        (err: unknown): ExecutionOutcome => {
          if ((err as Error)?.name === 'ExecutionAbortedError') return { status: 'ABORTED' };
          const reason = err instanceof ExecutionError ? err.cause : err;
          return { status: 'FAILED', error: (reason as Error)?.name ?? 'Error', cause: (reason as Error)?.message ?? String(reason) };
        },
      ).then((o) => ((record.status = o.status), o)),
    };
    this.executions.set(arn, record);
    return { executionArn: arn, startDate: record.startDate };
  }

  describeExecution(executionArn: string): Record<string, unknown> {
    const e = this.executions.get(executionArn);
    if (!e) throw Object.assign(new Error(`Execution Does Not Exist: '${executionArn}'`), { type: 'ExecutionDoesNotExist' });
    return { executionArn, stateMachineArn: e.machine, status: e.status, startDate: e.startDate, input: e.input };
  }

  /** Every execution started so far has ended; their outcomes, by execution ARN. */
  async settle(): Promise<Map<string, ExecutionOutcome>> {
    const out = new Map<string, ExecutionOutcome>();
    for (const [arn, e] of this.executions) out.set(arn, await e.outcome);
    return out;
  }

  outcome(executionArn: string): Promise<ExecutionOutcome> {
    const e = this.executions.get(executionArn);
    if (!e) throw new Error(`no execution ${executionArn}`);
    return e.outcome;
  }

  /**
   * Holds the next invocation of a Task state until `release` is called: what lets a test act while a job
   * is at a known phase (a CANCEL from another caller, a lost execution). `reached` resolves with the Task's input once it waits.
   */
  hold(state: string): { reached: Promise<any>; release: () => void } {
    let reached!: (input: unknown) => void;
    let release!: () => void;
    const reachedP = new Promise<unknown>((r) => (reached = r));
    this.holds.set(state, { reached, release: new Promise<void>((r) => (release = r)) });
    return { reached: reachedP, release };
  }

  /** Stops an execution where it stands, no Catch and no CANCEL: what a lost execution leaves behind. */
  abandon(executionArn: string): void {
    this.executions.get(executionArn)?.abort();
  }
}

function visit(def: Definition, fn: (name: string, state: State) => void): void {
  for (const [name, state] of Object.entries(def.States)) {
    fn(name, state);
    const inner = state['ItemProcessor'] ?? state['Iterator'];
    if (inner) visit(inner, fn);
    for (const branch of state['Branches'] ?? []) visit(branch, fn);
  }
}

function namedError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}
