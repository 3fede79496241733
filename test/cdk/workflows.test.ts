import { availableParallelism } from 'node:os';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveIntrinsics, synthesizeDefinitions, type WorkflowDefinitions } from '../../cdk/synth-definitions.ts';
import { BackupWorkflow } from '../../cdk/workflows/backup-workflow.ts';
import { RestoreWorkflow } from '../../cdk/workflows/restore-workflow.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import { PHASES, phasesOf } from '../../lib/domain/phase-registry.ts';
import { JobType } from '../../lib/domain/states.ts';
import { BackupTask, FlowState, RestoreTask } from '../../lib/domain/workflow.ts';
import { inThrowawayOutdir } from './synth-stack.ts';

type State = Record<string, any>;

let defs: WorkflowDefinitions;
beforeAll(() => {
  defs = synthesizeDefinitions({ workers: { upload: 3, download: 0 } });
});

const shapes = {
  backup: {
    chain: ['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOADING', 'SAVE_META', 'UPLOAD_INFO', 'FINISHED'],
    map: FlowState.UPLOADING,
    batch: BackupTask.UPLOAD_BATCH,
    concurrency: () => 3,
  },
  restore: {
    chain: ['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOADING', 'COMMIT', 'COMMITTING', 'FINISHED'],
    map: FlowState.DOWNLOADING,
    batch: RestoreTask.DOWNLOAD_BATCH,
    concurrency: () => availableParallelism(),
  },
} as const;

describe.each(['backup', 'restore'] as const)('%s definition', (kind) => {
  const shape = shapes[kind];
  const states = () => defs[kind].States as Record<string, State>;
  const tasks = () => Object.entries(states()).filter(([, s]) => s['Type'] === 'Task');

  it('has exactly the expected states and transitions', () => {
    expect(defs[kind].StartAt).toBe('PENDING');
    expect(Object.keys(states()).sort()).toEqual([...shape.chain, 'CANCEL', 'CANCELLED', 'REJECTED'].sort());
    shape.chain.slice(0, -1).forEach((name, i) => expect(states()[name]!['Next']).toBe(shape.chain[i + 1]));
    expect(states()['FINISHED']).toEqual({ Type: 'Succeed' });
    expect(states()['CANCEL']!['Next']).toBe('CANCELLED');
    expect(states()['CANCELLED']).toEqual({ Type: 'Fail', Error: ErrorName.JobCancelled, Cause: 'job cancelled' });
    expect(states()['REJECTED']).toEqual({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('has a Task state for each of its phases in lib/domain/phase-registry.ts, the batch inside the Map named after the state it enters', () => {
    const phases = phasesOf(kind === 'backup' ? JobType.BACKUP : JobType.RESTORE).map((p) => PHASES[p]);
    const batch = phases.find((p) => p.role === 'batch')!;
    expect([batch.task, batch.enters]).toEqual([shape.batch, shape.map]);
    expect(tasks().map(([name]) => name).sort()).toEqual(phases.filter((p) => p !== batch).map((p) => p.task).sort());
  });

  it('fans out over batch references with bounded concurrency and no results', () => {
    const map = states()[shape.map]!;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemSelector: { 'jobId.$': '$.jobId', 'batch.$': '$$.Map.Item.Value' },
      ResultPath: null,
      MaxConcurrency: shape.concurrency(),
    });
    expect(map['ItemProcessor']['ProcessorConfig']).toEqual({ Mode: 'INLINE' });
    expect(map['ItemProcessor']['StartAt']).toBe(shape.batch);
  });

  it('invokes the batch Task again while it returns a continuation, with the continuation in its input', () => {
    const processor = states()[shape.map]!['ItemProcessor'] as State;
    expect(Object.keys(processor['States']).sort()).toEqual([shape.batch, FlowState.BATCH_DONE, FlowState.MORE_IN_BATCH].sort());
    const batchTask = processor['States'][shape.batch] as State;
    // No Parameters: the whole state, item and continuation, is the payload.
    expect(batchTask).toMatchObject({ Type: 'Task', ResultPath: '$.continuation', Next: FlowState.MORE_IN_BATCH, TimeoutSeconds: 900 });
    expect(batchTask['Parameters']).toBeUndefined();
    expect(processor['States'][FlowState.MORE_IN_BATCH]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.continuation.resumeAt', IsPresent: true, Next: shape.batch }],
      Default: FlowState.BATCH_DONE,
    });
    expect(processor['States'][FlowState.BATCH_DONE]).toEqual({ Type: 'Succeed' });
  });

  it('passes the job reference, not the whole state, to tasks after PENDING', () => {
    expect(states()['PENDING']!['Parameters']).toBeUndefined();
    for (const [name, state] of tasks()) {
      if (name === 'PENDING') continue;
      const expected = name === 'CANCEL' ? { 'jobId.$': '$.jobId', 'error.$': '$.error' } : { 'jobId.$': '$.jobId' };
      expect(state['Parameters'], name).toEqual(expected);
      expect(state['TimeoutSeconds'], name).toBe(900);
    }
  });

  it('routes every failure after PENDING to CANCEL and PENDING to REJECTED', () => {
    const toCancel = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CANCEL' }];
    for (const [name, state] of [...tasks(), [shape.map, states()[shape.map]!] as const]) {
      if (name === 'CANCEL') expect(state['Catch']).toBeUndefined();
      else if (name === 'PENDING') expect(state['Catch']).toEqual([{ ...toCancel[0], Next: 'REJECTED' }]);
      else expect(state['Catch'], name).toEqual(toCancel);
    }
  });

  it('retries Lambda service errors and transient handler errors only', () => {
    const batchTask = states()[shape.map]!['ItemProcessor']['States'][shape.batch] as State;
    for (const [name, state] of [...tasks(), [shape.batch, batchTask] as const]) {
      const retry = state['Retry'] as State[];
      expect(retry[0], name).toMatchObject({ IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6 });
      expect(retry[0]!['ErrorEquals']).toEqual(expect.arrayContaining([
        'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException',
      ]));
      const errors = retry.flatMap((r) => r['ErrorEquals'] as string[]);
      for (const never of [ErrorName.JobCancelled, ErrorName.Analysis, ErrorName.Integrity]) expect(errors).not.toContain(never);
      if (name === 'CANCEL') {
        expect(retry.at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'], MaxAttempts: 3 });
      } else {
        expect(retry[1]).toMatchObject({ ErrorEquals: [ErrorName.RetryableStorage, ErrorName.ConditionFailed], MaxAttempts: 3 });
        expect(errors).not.toContain('States.ALL');
      }
    }
  });

  it('contains no unresolved intrinsics, only fake Lambda ARNs', () => {
    const text = JSON.stringify(defs[kind]);
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{Token|AWS::/);
    const arns = [...text.matchAll(/"Resource":"([^"]+)"/g)].map((m) => m[1]);
    expect(arns).toHaveLength(Object.values(kind === 'backup' ? BackupTask : RestoreTask).length);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`^arn:aws:lambda:us-east-1:000000000000:function:starbackup-${kind}-[A-Z_]+$`));
  });
});

describe('constructs', () => {
  const stackWith = (mapMode: 'INLINE' | 'DISTRIBUTED') => inThrowawayOutdir((outdir) => {
    const stack = new Stack(new App({ outdir, builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
    const fn = (name: string) =>
      lambda.Function.fromFunctionArn(stack, name, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    const handlers = <T extends string>(names: readonly T[]) =>
      Object.fromEntries(names.map((n) => [n, fn(`f-${n}-${names.length}-${n.length}-${Math.random()}`)])) as Record<T, lambda.IFunction>;
    new BackupWorkflow(stack, 'Backup', { handlers: handlers(Object.values(BackupTask)), maxConcurrency: 4, mapMode });
    new RestoreWorkflow(stack, 'Restore', { handlers: handlers(Object.values(RestoreTask)), maxConcurrency: 5, mapMode });
    return Template.fromStack(stack);
  });

  it.each(['INLINE', 'DISTRIBUTED'] as const)('both machines live in one stack in %s mode', (mode) => {
    const template = stackWith(mode);
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(2);
    for (const machine of Object.values(machines)) {
      const definition = JSON.parse(resolveIntrinsics(machine['Properties']['DefinitionString'], {}) as string);
      const map = (definition.States['UPLOADING'] ?? definition.States['DOWNLOADING']) as State;
      expect(map['ItemProcessor']['ProcessorConfig']['Mode']).toBe(mode);
      expect(map['ResultPath']).toBeNull();
      expect([4, 5]).toContain(map['MaxConcurrency']);
    }
  });
});

describe('resolveIntrinsics', () => {
  const resources = { Fn1: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'one' } } };

  it('resolves Join, GetAtt Arn and pseudo parameters', () => {
    const value: Parameters<typeof resolveIntrinsics>[0] = { 'Fn::Join': ['', ['a:', { 'Fn::GetAtt': ['Fn1', 'Arn'] }, ':', { Ref: 'AWS::Partition' }]] };
    expect(resolveIntrinsics(value, resources)).toBe('a:arn:aws:lambda:us-east-1:000000000000:function:one:aws');
  });

  it('fails on anything it does not understand', () => {
    expect(() => resolveIntrinsics({ 'Fn::Sub': 'x' }, resources)).toThrow(/cannot resolve Fn::Sub/);
    expect(() => resolveIntrinsics({ Ref: 'Bucket' }, resources)).toThrow(/unexpected reference/);
  });
});
