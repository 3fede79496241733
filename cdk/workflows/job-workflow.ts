/**
 * Both job workflows, laid out from lib/domain/phase-registry.ts: the start phase (a failure there is
 * REJECTED), then the workflow's phases in registry order, a plan's batch running in a Map named after the
 * state it enters, then FINISHED; every failure after the start goes through the cancel phase.
 * backup-workflow.ts and restore-workflow.ts only name the workflow.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ErrorName, TRANSIENT_ERROR_NAMES } from '../../lib/domain/errors.ts';
import { PHASES, type TaskOf, workflowChain } from '../../lib/domain/phase-registry.ts';
import type { JobTypeValue } from '../../lib/domain/states.ts';
import { FlowState } from '../../lib/domain/workflow.ts';

export type MapMode = 'INLINE' | 'DISTRIBUTED';

export interface JobWorkflowProps<T extends string> {
  readonly handlers: Readonly<Record<T, lambda.IFunction>>;
  /** Map concurrency (upload_worker_count / download_worker_count); 0 means unbounded in ASL. */
  readonly maxConcurrency: number;
  /** DISTRIBUTED in the cloud; the embedded runtime only runs INLINE. */
  readonly mapMode: MapMode;
  /**
   * Per-task timeout. Set explicitly because aws-local-stepfunctions defaults a Task to 60 s (the ASL
   * spec default), whereas AWS defaults to ~99999999 s; 15 min is Lambda's own ceiling.
   */
  readonly taskTimeout?: Duration;
  readonly stateMachineName?: string;
  readonly logs?: sfn.LogOptions;
  readonly tracingEnabled?: boolean;
}

/** Transient Lambda service failures, as AWS documents them for Lambda tasks. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** Handler errors worth another attempt; everything else (analysis, integrity, cancel) is final. */
export const TRANSIENT_ERRORS = TRANSIENT_ERROR_NAMES;

const jobRef = { jobId: sfn.JsonPath.stringAt('$.jobId') };
const toCancel: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: '$.error' };

export function buildJobWorkflow<W extends JobTypeValue>(
  scope: Construct,
  workflow: W,
  props: JobWorkflowProps<TaskOf<W>>,
): sfn.StateMachine {
  type T = TaskOf<W>;
  const chain = workflowChain(workflow);
  const taskOf = (phase: keyof typeof PHASES): T => PHASES[phase].task as T;
  const timeout = sfn.Timeout.duration(props.taskTimeout ?? Duration.minutes(15));
  const task = (name: T, payload?: Record<string, unknown>, resultPath?: string): tasks.LambdaInvoke => {
    const invoke = new tasks.LambdaInvoke(scope, name, {
      lambdaFunction: props.handlers[name],
      // The Task Resource is then the function ARN and Parameters the payload, which is what
      // aws-local-stepfunctions can bind to local handlers.
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: timeout,
      ...(payload ? { payload: sfn.TaskInput.fromObject(payload) } : {}),
      ...(resultPath ? { resultPath } : {}),
    });
    invoke.addRetry({ errors: [...LAMBDA_SERVICE_ERRORS], interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    return invoke;
  };
  const retryTransient = (invoke: sfn.TaskStateBase): sfn.TaskStateBase =>
    invoke.addRetry({ errors: [...TRANSIENT_ERRORS], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });

  const cancel = task(taskOf(chain.cancel), { ...jobRef, error: sfn.JsonPath.objectAt('$.error') });
  // Cancelling releases the lock and marks the job, so it is worth insisting on whatever failed.
  cancel.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });
  cancel.next(new sfn.Fail(scope, FlowState.CANCELLED, { error: ErrorName.JobCancelled, cause: 'job cancelled' }));

  const step = (name: T): sfn.TaskStateBase => retryTransient(task(name, jobRef)).addCatch(cancel, toCancel);

  // A failed start created no job (or already cleaned up), so there is nothing to cancel.
  const start = retryTransient(task(taskOf(chain.start))).addCatch(
    new sfn.Fail(scope, FlowState.REJECTED, { errorPath: '$.error.Error', causePath: '$.error.Cause' }),
    toCancel,
  );
  // A batch handler stops taking files when its time budget is spent and returns where to resume, kept at
  // $.continuation next to the item (null once the batch is done); the Choice invokes it again until then.
  // (One fan-out per workflow: a second would need its own names for MORE_IN_BATCH and BATCH_DONE.)
  const fanOut = (phase: keyof typeof PHASES): sfn.Map | sfn.DistributedMap => {
    const batch = retryTransient(task(taskOf(phase), undefined, '$.continuation'));
    const moreInBatch = new sfn.Choice(scope, FlowState.MORE_IN_BATCH)
      .when(sfn.Condition.isPresent('$.continuation.resumeAt'), batch)
      .otherwise(new sfn.Succeed(scope, FlowState.BATCH_DONE));
    return mapState(scope, PHASES[phase].enters!, props).itemProcessor(batch.next(moreInBatch)).addCatch(cancel, toCancel);
  };

  let definition: sfn.Chain = sfn.Chain.start(start);
  for (const phase of chain.body) definition = definition.next(PHASES[phase].role === 'batch' ? fanOut(phase) : step(taskOf(phase)));
  definition = definition.next(new sfn.Succeed(scope, FlowState.FINISHED));

  return new sfn.StateMachine(scope, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(definition),
    stateMachineType: sfn.StateMachineType.STANDARD,
    comment: `starbackup ${workflow}`,
    ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
    ...(props.logs ? { logs: props.logs } : {}),
    ...(props.tracingEnabled !== undefined ? { tracingEnabled: props.tracingEnabled } : {}),
  });
}

/** Map items are batch references; iterations' results are discarded so the payload stays small. */
function mapState(scope: Construct, id: string, props: JobWorkflowProps<string>): sfn.Map | sfn.DistributedMap {
  const common = {
    itemsPath: '$.batches',
    itemSelector: { jobId: sfn.JsonPath.stringAt('$.jobId'), batch: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
    maxConcurrency: props.maxConcurrency,
    resultPath: sfn.JsonPath.DISCARD,
  };
  return props.mapMode === 'DISTRIBUTED'
    ? new sfn.DistributedMap(scope, id, { ...common, mapExecutionType: sfn.StateMachineType.STANDARD })
    : new sfn.Map(scope, id, common);
}
