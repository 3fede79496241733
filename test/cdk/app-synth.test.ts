import type { SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readStackConfig } from '../../cdk/stack-config.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { runProcess } from '../support/run-process.ts';
import { inThrowawayOutdir } from './synth-stack.ts';

const temp = useTempDirs('cdk-synth');
const ROOT = join(import.meta.dirname, '../..');

/** A cold `npx cdk synth` (two npx starts, the TypeScript loader, the app, cdk-nag) can take minutes on a busy machine. */
const SYNTH_MS = 600_000;

/** Runs a command to its end, collecting its output; stopped shortly before the test would time out, so its stderr is reported. */
const run = (command: string, args: string[], options: SpawnOptions) => runProcess(command, args, { timeout: SYNTH_MS - 30_000, ...options });

describe('npx cdk synth', () => {
  it('synthesizes the cdk.json app with no AWS credentials and no network, cdk-nag clean', async () => {
    const out = await temp.make();
    // No credentials, no profile, no instance metadata: exactly a fresh clone on a laptop without AWS.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
    const r = await run('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      cwd: ROOT,
      env: { ...env, HOME: out, AWS_EC2_METADATA_DISABLED: 'true', STARBACKUP_SKIP_BUNDLING: '1' },
    });
    expect(r.status, r.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'Starbackup.template.json'), 'utf8'));
    expect(Object.values(template.Resources).filter((x: any) => x.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(2);
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.filter((p: { conclusion?: string }) => p.conclusion !== 'success')).toEqual([]);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  }, SYNTH_MS);
});

describe('stack configuration from context', () => {
  // An app given no outdir makes one in the temp folder as it is constructed, synthesized or not.
  const config = (context: Record<string, unknown>) => inThrowawayOutdir((outdir) => readStackConfig(new App({ context, outdir }).node));

  it('has defaults for everything', () => {
    expect(config({})).toEqual({
      stackName: 'Starbackup', uploadWorkers: 8, downloadWorkers: 8, schedules: [], repositoryBucketArns: [], repositoryRoleArns: [], removalPolicy: 'retain', allowedEndpoints: [], rootPrincipalArns: [],
    });
  });

  it('takes -c values, which arrive as strings', () => {
    const c = config({ upload_worker_count: '4', 'starbackup:repositoryBucketArns': '["arn:aws:s3:::bk1"]' });
    expect(c.uploadWorkers).toBe(4);
    expect(c.repositoryBucketArns).toEqual(['arn:aws:s3:::bk1']);
  });

  it('names the key and the problem of a bad value', () => {
    expect(() => config({ upload_worker_count: 0 })).toThrow('CDK context upload_worker_count must be an integer from 1 to 10000');
    expect(() => config({ 'starbackup:repositoryBucketArns': ['my-bucket'] })).toThrow(/starbackup:repositoryBucketArns\[0\] must be a bucket ARN/);
    const schedule = { name: 'n', schedule: 'cron(0 2 * * ? *)', database: 'd', repository: 'r', labelPrefix: 'p', keepLast: 3, user: 'backup_op' };
    expect(config({ 'starbackup:schedules': [{ ...schedule, user: "'backup_op'@'%'" }] }).schedules[0]!.user).toBe("'backup_op'@'%'");
    // A schedule runs as a named user, never as root by default.
    const { user: _none, ...anonymous } = schedule;
    expect(() => config({ 'starbackup:schedules': [anonymous] })).toThrow(
      `CDK context starbackup:schedules[0].user must name the StarRocks user the schedule runs as, e.g. "backup_op" or "'backup_op'@'%'"`);
    expect(() => config({ 'starbackup:schedules': [{ ...schedule, user: "root' OR '1" }] })).toThrow(/schedules\[0\]\.user must name the StarRocks user/);
    expect(() => config({ 'starbackup:schedules': [{ ...schedule, keepLast: 0 }] })).toThrow(/schedules\[0\]\.keepLast must be an integer of at least 1/);
    expect(() => config({ 'starbackup:schedules': [{ ...schedule, database: 'a; DROP' }] })).toThrow(/schedules\[0\]\.database/);
    expect(() => config({ 'starbackup:schedules': [{ ...schedule, schedule: 'daily' }] })).toThrow(/must be cron\(…\) or rate\(N unit\)/);
    expect(() => config({ 'starbackup:repositoryRoleArns': ['backup-writer'] })).toThrow(/repositoryRoleArns\[0\] must be an IAM role ARN/);
    expect(config({ 'starbackup:rootPrincipalArns': '["arn:aws:iam::111122223333:role/team/Admin"]' }).rootPrincipalArns).toEqual(['arn:aws:iam::111122223333:role/team/Admin']);
    for (const bad of ['arn:aws:iam::111122223333:role/*', 'arn:aws:sts::111122223333:assumed-role/Admin/s', 'arn:aws:iam::111122223333:root']) {
      expect(() => config({ 'starbackup:rootPrincipalArns': [bad] }), bad).toThrow(
        'CDK context starbackup:rootPrincipalArns[0] must be an IAM user or role ARN without wildcards, such as "arn:aws:iam::111122223333:role/StarbackupAdmin"');
    }
    expect(() => config({ 'starbackup:removalPolicy': 'keep' })).toThrow(/removalPolicy must be "retain" or "destroy"/);
    expect(() => config({ 'starbackup:allowedEndpoints': ['minio.lan:9000', 'a b'] })).toThrow(
      'CDK context starbackup:allowedEndpoints[1] must be a host[:port], an address[:port] or a CIDR network such as "10.0.0.0/8"',
    );
  });
});
