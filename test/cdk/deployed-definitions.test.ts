import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveIntrinsics } from '../../cdk/synth-definitions.ts';
import { LAMBDA_SERVICE_ERRORS } from '../../cdk/workflows/job-workflow.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import { type Resource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

type Asl = { StartAt: string; States: Record<string, Record<string, any>> };
type Validator = (definition: unknown) => { isValid: boolean; errors: unknown[] };
// asl-validator ships CommonJS without types.
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

let definitions: Record<'backup' | 'restore', Asl>;
beforeAll(() => {
  const { stack, template } = synthStack();
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const asl = (machine: { node: { defaultChild?: unknown } }) => {
    const raw = resources[stack.getLogicalId(machine.node.defaultChild as never)]!.Properties['DefinitionString'];
    return JSON.parse(resolveIntrinsics(raw, resources as never) as string) as Asl;
  };
  definitions = { backup: asl(stack.backup.stateMachine), restore: asl(stack.restore.stateMachine) };
}, SYNTH_TIMEOUT_MS);

describe.each([
  ['backup', 'UPLOADING', 'UPLOAD_BATCH', 6],
  ['restore', 'DOWNLOADING', 'DOWNLOAD_BATCH', 12],
] as const)('the deployed %s state machine', (kind, mapName, batch, workers) => {
  const def = () => definitions[kind];

  it('is valid ASL', () => {
    const { isValid, errors } = aslValidator(structuredClone(def()));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('fans out with a DISTRIBUTED Map of Standard child executions, bounded by the worker count context', () => {
    const map = def().States[mapName]!;
    expect(map['ItemProcessor']['ProcessorConfig']).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map['MaxConcurrency']).toBe(workers);
    expect(map['ResultPath']).toBeNull();
    expect(map['ItemProcessor']['States'][batch]['Resource']).toMatch(/^arn:aws:lambda:/);
  });

  it('loops each child execution on the batch Task while it returns a continuation', () => {
    const processor = def().States[mapName]!['ItemProcessor'];
    expect(processor['States'][batch]).toMatchObject({ ResultPath: '$.continuation', Next: 'MORE_IN_BATCH' });
    expect(processor['States']['MORE_IN_BATCH']['Choices']).toEqual([{ Variable: '$.continuation.resumeAt', IsPresent: true, Next: batch }]);
    expect(processor['States'][processor['States']['MORE_IN_BATCH']['Default']]).toEqual({ Type: 'Succeed' });
  });

  it('retries Lambda service errors as documented and transient handler errors by name', () => {
    for (const [name, state] of Object.entries(def().States).filter(([, s]) => s['Type'] === 'Task')) {
      expect(state['Retry'][0], name).toEqual({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 });
      if (name !== 'CANCEL') expect(state['Retry'][1]['ErrorEquals']).toEqual([ErrorName.RetryableStorage, ErrorName.ConditionFailed]);
    }
  });

  it('sends every failure after PENDING through CANCEL, which insists and then fails the execution', () => {
    for (const [name, state] of Object.entries(def().States)) {
      if (state['Type'] !== 'Task' && state['Type'] !== 'Map') continue;
      const next = state['Catch']?.[0]?.['Next'];
      if (name === 'PENDING') expect(next).toBe('REJECTED');
      else if (name === 'CANCEL') expect(state['Catch']).toBeUndefined();
      else expect(next, name).toBe('CANCEL');
    }
    expect(def().States['CANCEL']!['Retry'].at(-1)).toMatchObject({ ErrorEquals: ['States.ALL'] });
    expect(def().States['CANCEL']!['Next']).toBe('CANCELLED');
    expect(def().States['CANCELLED']).toMatchObject({ Type: 'Fail', Error: ErrorName.JobCancelled });
  });
});
