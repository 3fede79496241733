import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../cdk/create-app.ts';
import type { StarbackupStack } from '../../cdk/starbackup-stack.ts';

export const TEST_CONTEXT = {
  // Tests never bundle: esbuild over 15 entry points takes ~20 s and proves nothing about the template.
  'aws:cdk:bundling-stacks': [],
  upload_worker_count: 6,
  download_worker_count: 12,
  'starbackup:repositoryBucketArns': ['arn:aws:s3:::team-backups'],
  'starbackup:repositoryRoleArns': ['arn:aws:iam::111122223333:role/backup-writer'],
  'starbackup:schedules': [
    { name: 'nightly', schedule: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', database: 'sales', repository: 'offsite', labelPrefix: 'nightly', keepLast: 7, user: 'backup_op' },
  ],
  'starbackup:rootPrincipalArns': ['arn:aws:iam::111122223333:role/StarbackupAdmin'],
};

/**
 * For a hook or test that synthesizes the stack in-process: about a second alone, but loading aws-cdk-lib
 * and synthesizing on a machine whose cores are all busy can take many times that.
 */
export const SYNTH_TIMEOUT_MS = 300_000;

/** The app as `cdk synth` builds it, without bundling and without the nag plugin (tests run the pack themselves). */
export function synthStack(context: Record<string, unknown> = TEST_CONTEXT): { stack: StarbackupStack; template: Template } {
  return inThrowawayOutdir((outdir) => {
    const { stack } = createApp({ outdir, context, analyticsReporting: false, stackTraces: false, builtinCloudFormationValidation: false }, { nag: false });
    return { stack, template: Template.fromStack(stack) };
  });
}

/**
 * Runs `synth` with a cloud assembly folder that is removed after it: an app given none makes a
 * `cdk.out…` folder in the temp folder as it is constructed, which nothing removes (42 per test run).
 */
export function inThrowawayOutdir<T>(synth: (outdir: string) => T): T {
  const outdir = mkdtempSync(join(tmpdir(), 'starbackup-test-synth-'));
  try {
    return synth(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
