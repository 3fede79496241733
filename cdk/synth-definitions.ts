/**
 * Synthesizes the two workflows in-process and returns plain ASL, so the embedded runtime runs the
 * very definitions the cloud stack deploys. Lambda ARNs become fake but well-formed ARNs; the
 * embedded runtime binds Tasks to local handlers by state name, never by ARN.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { BackupTask, RestoreTask, type WorkerCounts } from '../lib/domain/workflow.ts';
import { mapConcurrency } from './map-concurrency.ts';
import { BackupWorkflow } from './workflows/backup-workflow.ts';
import { RestoreWorkflow } from './workflows/restore-workflow.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  Comment?: string;
  TimeoutSeconds?: number;
}

export interface WorkflowDefinitions {
  backup: StateMachineDefinition;
  restore: StateMachineDefinition;
}

const FAKE_REGION = 'us-east-1';
const FAKE_ACCOUNT = '000000000000';

export function fakeFunctionArn(name: string): string {
  return `arn:aws:lambda:${FAKE_REGION}:${FAKE_ACCOUNT}:function:${name}`;
}

export function synthesizeDefinitions(opts: { workers: WorkerCounts }): WorkflowDefinitions {
  // An explicit outdir so the throwaway cloud assembly does not pile up in the temp folder.
  const outdir = mkdtempSync(join(tmpdir(), 'starbackup-synth-'));
  try {
    const app = new App({
      outdir,
      analyticsReporting: false,
      stackTraces: false,
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new Stack(app, 'StarbackupDefinitions');
    const role = new iam.Role(stack, 'PlaceholderRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const placeholders = <T extends string>(workflow: string, names: readonly T[]) =>
      Object.fromEntries(
        names.map((name) => [
          name,
          new lambda.Function(stack, `${workflow}-${name}`, {
            functionName: `starbackup-${workflow}-${name}`,
            runtime: lambda.Runtime.NODEJS_22_X,
            handler: 'index.handler',
            code: lambda.Code.fromInline('exports.handler = async () => ({});'),
            role,
          }),
        ]),
      ) as Record<string, lambda.IFunction> as Record<T, lambda.IFunction>;

    const backup = new BackupWorkflow(stack, 'Backup', {
      handlers: placeholders('backup', Object.values(BackupTask)),
      maxConcurrency: mapConcurrency(opts.workers.upload),
      mapMode: 'INLINE',
    });
    const restore = new RestoreWorkflow(stack, 'Restore', {
      handlers: placeholders('restore', Object.values(RestoreTask)),
      maxConcurrency: mapConcurrency(opts.workers.download),
      mapMode: 'INLINE',
    });

    const template = app.synth().getStackArtifact(stack.artifactId).template as Template;
    const definitionOf = (machine: sfn.StateMachine): StateMachineDefinition => {
      const logicalId = stack.getLogicalId(machine.node.defaultChild as sfn.CfnStateMachine);
      const raw = template.Resources[logicalId]?.Properties?.DefinitionString;
      if (raw === undefined) throw new Error(`no DefinitionString for ${machine.node.path}`);
      const resolved = resolveIntrinsics(raw, template.Resources);
      if (typeof resolved !== 'string') throw new Error(`DefinitionString of ${machine.node.path} is not a string`);
      return JSON.parse(resolved) as StateMachineDefinition;
    };
    return { backup: definitionOf(backup.stateMachine), restore: definitionOf(restore.stateMachine) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

const pseudoParameters: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': FAKE_REGION,
  'AWS::AccountId': FAKE_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the few intrinsics a definition string holds; anything else is a bug worth failing on. */
export function resolveIntrinsics(value: Json, resources: Template['Resources']): Json {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::')) ? keys[0]! : undefined;
  if (intrinsic === undefined) {
    return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(value[k]!, resources)]));
  }
  const arg = resolveIntrinsics(value[intrinsic]!, resources);
  if (intrinsic === 'Fn::Join' && Array.isArray(arg) && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
    return arg[1].map((part) => expectString(part, intrinsic)).join(arg[0]);
  }
  if (intrinsic === 'Ref' && typeof arg === 'string') {
    return pseudoParameters[arg] ?? functionName(arg, resources);
  }
  if (intrinsic === 'Fn::GetAtt' && Array.isArray(arg) && typeof arg[0] === 'string' && arg[1] === 'Arn') {
    return fakeFunctionArn(functionName(arg[0], resources));
  }
  throw new Error(`cannot resolve ${intrinsic} ${JSON.stringify(arg)} in a state machine definition`);
}

function functionName(logicalId: string, resources: Template['Resources']): string {
  const resource = resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`unexpected reference to ${logicalId}`);
  const name = resource.Properties?.FunctionName;
  return typeof name === 'string' ? name : logicalId;
}

function expectString(value: Json, intrinsic: string): string {
  if (typeof value !== 'string') throw new Error(`${intrinsic} part did not resolve to a string: ${JSON.stringify(value)}`);
  return value;
}
