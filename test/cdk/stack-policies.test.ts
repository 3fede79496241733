import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { DYNAMODB_ACTIONS, S3_ACTIONS } from '../../cdk/data-stores.ts';
import { API_ACCESS, RECOVERY_SWEEP_ACCESS, SCHEDULED_BACKUP_ACCESS } from '../../cdk/function-access.ts';
import { type Access, type FunctionAccess, PHASE_CONTROL_ACCESS, PHASE_NAMES, PHASES, type SealerAccess, phasesOf } from '../../lib/domain/phase-registry.ts';
import type { StarbackupStack } from '../../cdk/starbackup-stack.ts';
import { type Resource, SYNTH_TIMEOUT_MS, synthStack } from './synth-stack.ts';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };

let stack: StarbackupStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthStack());
}, SYNTH_TIMEOUT_MS);

const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
const arnOf = (c: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [id(c), 'Arn'] });
const bucketObjects = () => ({ 'Fn::Join': ['', [arnOf(stack.stores.dataBucket), '/cluster/*']] });

/** Every statement of a function's role, with Action and Resource as arrays. */
function statementsOf(fn: { role?: { node: { defaultChild?: unknown } } }): { actions: string[]; resources: unknown[]; condition?: unknown }[] {
  const role = id(fn.role!);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((p) => p.Properties['Roles'].some((r: { Ref: string }) => r.Ref === role));
  return policies.flatMap((p) => (p.Properties['PolicyDocument']['Statement'] as Statement[]).map((s) => {
    expect(s.Effect).toBe('Allow');
    return { actions: [s.Action].flat(), resources: [s.Resource].flat(), ...(s.Condition ? { condition: s.Condition } : {}) };
  }));
}

const actionsOn = (fn: Parameters<typeof statementsOf>[0], resource: unknown) =>
  statementsOf(fn).filter((s) => s.resources.some((r) => JSON.stringify(r) === JSON.stringify(resource))).flatMap((s) => s.actions).sort();

const REPO_OBJECTS = 'arn:aws:s3:::team-backups/*';
const REPO_BUCKET = 'arn:aws:s3:::team-backups';
const REPO_ROLE = 'arn:aws:iam::111122223333:role/backup-writer';
const dynamo = (a: Access) => (a === 'none' ? [] : [...DYNAMODB_ACTIONS.read, ...(a === 'write' ? DYNAMODB_ACTIONS.write : [])]).sort();
const objects = (a: Access) => (a === 'none' ? [] : [...S3_ACTIONS.read, ...(a === 'write' ? S3_ACTIONS.write : [])]).sort();
const sealing = (s: SealerAccess) => ({ none: [], unseal: ['kms:Decrypt'], seal: ['kms:Decrypt', 'kms:Encrypt'] })[s];

/**
 * A function's grants are exactly its declared access: on each store what the access level allows, and
 * nothing on anything else but `also` (X-Ray's '*' aside).
 */
function expectGrants(fn: Parameters<typeof statementsOf>[0], access: FunctionAccess, label: string, also: unknown[] = []): void {
  const expected = new Map<string, string[]>([
    [JSON.stringify(arnOf(stack.stores.controlTable)), dynamo(access.control)],
    [JSON.stringify(arnOf(stack.stores.catalogTable)), dynamo(access.catalog)],
    [JSON.stringify(bucketObjects()), objects(access.data)],
    [JSON.stringify(arnOf(stack.stores.dataBucket)), access.data === 'none' ? [] : [...S3_ACTIONS.list]],
    [JSON.stringify(REPO_OBJECTS), objects(access.repositories)],
    [JSON.stringify(REPO_BUCKET), access.repositories === 'none' ? [] : [...S3_ACTIONS.list, 's3:GetBucketLocation'].sort()],
    [JSON.stringify(REPO_ROLE), access.repositories === 'none' ? [] : ['sts:AssumeRole']],
    [JSON.stringify(arnOf(stack.stores.sealingKey)), sealing(access.sealer)],
  ]);
  for (const [resource, actions] of expected) expect(actionsOn(fn, JSON.parse(resource)), `${label} on ${resource}`).toEqual(actions);
  const allowed = new Set([...expected.keys(), '"*"', ...also.map((r) => JSON.stringify(r))]);
  const others = statementsOf(fn).flatMap((s) => s.resources.map((r) => JSON.stringify(r))).filter((r) => !allowed.has(r));
  expect(others, `${label}: grants beyond its declared access`).toEqual([]);
}

describe('grants from declared access', () => {
  it.each(PHASE_NAMES)('gives phase %s exactly what lib/domain/phase-registry.ts declares, and the control table', (name) => {
    expectGrants(stack.phases.functions[name], { control: PHASE_CONTROL_ACCESS, ...PHASES[name] }, name);
  });

  it('gives the API, the scheduled backup and the recovery sweep what cdk/function-access.ts declares', () => {
    // Besides: starting executions (the API both workflows, the schedule backups) and sending failures to the dead-letter queue.
    const machine = (m: { node: { defaultChild?: unknown } }) => ({ Ref: id(m) });
    const deadLetters = arnOf(stack.scheduleFailures.queue);
    expectGrants(stack.api.handler, API_ACCESS, 'api', [machine(stack.backup.stateMachine), machine(stack.restore.stateMachine)]);
    expectGrants(stack.scheduledBackup, SCHEDULED_BACKUP_ACCESS, 'scheduled backup', [machine(stack.backup.stateMachine), deadLetters]);
    expectGrants(stack.recovery.handler, RECOVERY_SWEEP_ACCESS, 'recovery sweep', [deadLetters]);
  });

  it('binds each Task state of each machine to its phase function', () => {
    for (const [workflow, handlers] of [['BACKUP', stack.phases.backup], ['RESTORE', stack.phases.restore]] as const) {
      const phases = phasesOf(workflow);
      expect(Object.keys(handlers), workflow).toEqual(phases.map((p) => PHASES[p].task));
      for (const name of phases) expect((handlers as Record<string, unknown>)[PHASES[name].task], `${workflow} ${name}`).toBe(stack.phases.functions[name]);
    }
  });
});

describe('least privilege', () => {
  it('grants every DynamoDB command the record table sends, and nothing else', () => {
    const source = readFileSync(new URL('../../lib/adapters/dynamodb/dynamodb-record-table.ts', import.meta.url), 'utf8');
    const used = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`))].sort();
    expect([...DYNAMODB_ACTIONS.read, ...DYNAMODB_ACTIONS.write].sort()).toEqual(used);
    expect(actionsOn(stack.api.handler, arnOf(stack.stores.catalogTable))).toEqual(used);
  });

  it('gives PENDING read-only catalog access, and the data and repository writes of the CANCEL it runs itself', () => {
    // A PENDING that finds its job cancelled or timed out cancels it (lib/jobs/pending.ts): without these
    // the job stayed PENDING, its lock held, until the recovery sweep (found by the embedded narrowing).
    const pending = stack.phases.functions.backupPending;
    expect(actionsOn(pending, arnOf(stack.stores.catalogTable))).toEqual([...DYNAMODB_ACTIONS.read].sort());
    expect(actionsOn(pending, bucketObjects())).toEqual(objects('write'));
    expect(actionsOn(pending, REPO_OBJECTS)).toEqual(objects('write'));
    expect(actionsOn(stack.phases.functions.restorePending, bucketObjects())).toEqual(objects('write'));
    expect(actionsOn(stack.phases.functions.restorePending, REPO_OBJECTS)).toEqual(['s3:GetObject']);
  });

  it('lets the upload batch read the data prefix, write the repository bucket, and never touch the catalog', () => {
    const upload = stack.phases.functions.uploadBatch;
    expect(actionsOn(upload, bucketObjects())).toEqual(['s3:GetObject']);
    expect(actionsOn(upload, 'arn:aws:s3:::team-backups/*')).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(actionsOn(upload, arnOf(stack.stores.catalogTable))).toEqual([]);
    const list = statementsOf(upload).find((s) => s.actions.includes('s3:ListBucket') && JSON.stringify(s.resources).includes(id(stack.stores.dataBucket)))!;
    expect(list.condition).toEqual({ StringLike: { 's3:prefix': ['cluster', 'cluster/*'] } });
  });

  it('lets every backup phase that writes into a repository write its bucket', () => {
    // UPLOAD_SNAPSHOT writes __meta, UPLOADING the blobs, SAVE_META re-uploads, UPLOAD_INFO writes __info.
    for (const fn of ['uploadSnapshot', 'uploadBatch', 'saveMeta', 'uploadInfo'] as const) {
      expect(actionsOn(stack.phases.functions[fn], 'arn:aws:s3:::team-backups/*')).toContain('s3:PutObject');
    }
  });

  it('covers every S3 command the S3 storage adapter sends', () => {
    const source = readFileSync(new URL('../../lib/adapters/storage/s3/s3-object-store.ts', import.meta.url), 'utf8');
    const needs: Record<string, string[]> = {
      GetObject: ['s3:GetObject'], HeadObject: ['s3:GetObject'], PutObject: ['s3:PutObject'], DeleteObject: ['s3:DeleteObject'],
      DeleteObjects: ['s3:DeleteObject'], ListObjectsV2: ['s3:ListBucket'], AbortMultipartUpload: ['s3:AbortMultipartUpload'],
      CreateMultipartUpload: ['s3:PutObject'], UploadPart: ['s3:PutObject'], CompleteMultipartUpload: ['s3:PutObject'],
      CopyObject: ['s3:GetObject', 's3:PutObject'],
    };
    const used = [...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1]!);
    if (/new Upload\(/.test(source)) used.push('CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload');
    for (const command of used) expect(needs[command], `an IAM mapping for ${command}`).toBeDefined();
    const granted = [...actionsOn(stack.api.handler, 'arn:aws:s3:::team-backups/*'), ...actionsOn(stack.api.handler, 'arn:aws:s3:::team-backups')];
    for (const action of used.flatMap((c) => needs[c]!)) expect(granted).toContain(action);
  });

  it('lets functions that open repositories assume the listed repository roles', () => {
    const role = 'arn:aws:iam::111122223333:role/backup-writer';
    for (const fn of [stack.phases.functions.uploadBatch, stack.phases.functions.downloadBatch, stack.api.handler, stack.scheduledBackup]) {
      expect(actionsOn(fn, role)).toEqual(['sts:AssumeRole']);
    }
    expect(actionsOn(stack.phases.functions.restoreCommit, role)).toEqual([]);
  });

  it('lets the restore download read but never write repositories', () => {
    expect(actionsOn(stack.phases.functions.downloadBatch, 'arn:aws:s3:::team-backups/*')).toEqual(['s3:GetObject']);
    expect(actionsOn(stack.phases.functions.restoreSnapshoting, 'arn:aws:s3:::team-backups/*')).toEqual(['s3:GetObject']);
  });

  it('lets the API and RESTORE SNAPSHOTING seal credentials; phases that open repositories may unseal; COMMIT needs no key', () => {
    const key = arnOf(stack.stores.sealingKey);
    expect(actionsOn(stack.api.handler, key)).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    // It seals a restored external catalog's credentials again under its new name (found by the embedded narrowing).
    expect(actionsOn(stack.phases.functions.restoreSnapshoting, key)).toEqual(['kms:Decrypt', 'kms:Encrypt']);
    const sealers = PHASE_NAMES.filter((p) => actionsOn(stack.phases.functions[p], key).includes('kms:Encrypt'));
    expect(sealers).toEqual(['restoreSnapshoting']);
    expect(actionsOn(stack.phases.functions.uploadBatch, key)).toEqual(['kms:Decrypt']);
    expect(actionsOn(stack.scheduledBackup, key)).toEqual(['kms:Decrypt']);
    expect(actionsOn(stack.phases.functions.restoreCommit, key)).toEqual([]);
    const unseal = statementsOf(stack.phases.functions.uploadBatch).find((s) => s.actions.includes('kms:Decrypt'))!;
    expect(unseal.condition).toEqual({ Null: { 'kms:EncryptionContext:repository': 'false' } });
  });

  it('lets the API start both workflows, the schedule only backups, and no phase any', () => {
    const backup = { Ref: id(stack.backup.stateMachine) };
    const restore = { Ref: id(stack.restore.stateMachine) };
    expect(actionsOn(stack.api.handler, backup)).toEqual(['states:StartExecution']);
    expect(actionsOn(stack.api.handler, restore)).toEqual(['states:StartExecution']);
    expect(actionsOn(stack.scheduledBackup, backup)).toEqual(['states:StartExecution']);
    expect(actionsOn(stack.scheduledBackup, restore)).toEqual([]);
    for (const fn of Object.values(stack.phases.functions)) {
      expect(statementsOf(fn).flatMap((s) => s.actions).filter((a) => a.startsWith('states:'))).toEqual([]);
    }
  });

  it('uses a wildcard resource only for X-Ray', () => {
    for (const fn of [...Object.values(stack.phases.functions), stack.api.handler, stack.scheduledBackup]) {
      const star = statementsOf(fn).filter((s) => s.resources.includes('*'));
      expect(star.flatMap((s) => s.actions).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });
});

describe('cdk-nag', () => {
  it('AwsSolutionsChecks finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acks = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acks.length).toBeGreaterThan(10);
    for (const [rule, reason] of acks) {
      expect(rule).toMatch(/^(Annotation::)?AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(reason.length, rule).toBeGreaterThan(40);
    }
  });
});
