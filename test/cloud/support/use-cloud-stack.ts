/**
 * One deployed stack per test file: stood up before the tests, checked after each (no IAM denial, no
 * request signed for another region, no failure of the harness itself), torn down at the end.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { ACCOUNT } from './cloud-template.ts';
import { PARTNER_EXTERNAL_ID, PARTNER_ROLE } from './cloud-context.ts';
import { CloudStack } from './cloud-stack.ts';
import { loadCloud } from './synth-cloud.ts';

export interface StackHandle {
  readonly stack: CloudStack;
}

export function useCloudStack(options: { environment?: (logicalId: string) => Record<string, string> } = {}): StackHandle {
  const handle = {} as { stack: CloudStack };
  beforeAll(async () => {
    const synth = loadCloud(inject('cloudAssembly'));
    handle.stack = await CloudStack.start({
      synth,
      buckets: ['team-backups', 'partner-backups', 'keyed-backups'],
      externalRoles: [{
        roleArn: PARTNER_ROLE,
        // The bucket owner's trust policy names the stack's account (its IAM policies decide who), with an external id.
        trusts: [`arn:aws:iam::${ACCOUNT}:root`],
        externalId: PARTNER_EXTERNAL_ID,
        policies: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: 'arn:aws:s3:::partner-backups/*' },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::partner-backups' },
        ],
      }],
      ...(options.environment ? { environment: options.environment } : {}),
    });
  });
  afterEach(() => {
    const s = handle.stack;
    if (!s) return;
    const denials = s.gate.takeDenials();
    expect(denials, `IAM denied: ${denials.map((d) => `${d.role} ${d.action} on ${d.resource}`).join('; ')}`).toEqual([]);
    expect(s.gate.wrongRegion.splice(0), 'requests signed for another region than the stack\'s').toEqual([]);
    expect([...s.failures.splice(0), ...s.sfn.problems.splice(0)]).toEqual([]);
  });
  afterAll(async () => {
    // What the functions printed, for whoever reads a failure (the Lambda logs a deployment would have).
    if (process.env.STARBACKUP_CLOUD_LOGS && handle.stack) writeFileSync(process.env.STARBACKUP_CLOUD_LOGS, handle.stack.logs());
    await handle.stack?.close();
  });
  return handle;
}
