/**
 * Builds the CDK app from context. Synthesizing needs no AWS credentials and no network: the stack is
 * environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION (set by the CDK CLI from the profile) are known.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStackConfig } from './stack-config.ts';
import { StarbackupStack } from './starbackup-stack.ts';

export interface CreatedApp {
  app: App;
  stack: StarbackupStack;
}

/** Feature flags the stack is written for, so a synth gives the same template wherever it runs. */
export const FEATURE_FLAGS = {
  // Server access logs delivered through a bucket policy rather than the legacy LogDeliveryWrite ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
} as const;

export function createApp(props: AppProps = {}, options: { nag?: boolean } = {}): CreatedApp {
  const app = new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
  const config = readStackConfig(app.node);
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new StarbackupStack(app, config.stackName, {
    config,
    description: 'starbackup: StarRocks-compatible BACKUP and RESTORE on Step Functions, Lambda and DynamoDB',
    ...(account && region ? { env: { account, region } } : {}),
  });
  // cdk-nag runs on every synth, so an unacknowledged finding fails `cdk synth` and `cdk deploy`, not only the tests.
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
