/**
 * How the functions reach repository buckets that are not the stack's own. A repository created without
 * access keys (`"aws.s3.use_instance_profile" = "true"`) is opened with the Lambda's role: list its bucket
 * in `starbackup:repositoryBucketArns`. A repository with `"aws.s3.iam_role_arn" = "…"` is opened by assuming
 * that role (typically in the bucket's account): list it in `starbackup:repositoryRoleArns`. Repositories
 * with access keys need neither; their keys are sealed with the stack's KMS key.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type Access, S3_ACTIONS } from './data-stores.ts';

export interface RepositoryTargets {
  bucketArns: readonly string[];
  roleArns: readonly string[];
}

export function grantRepositories(grantee: iam.IGrantable & IConstruct, targets: RepositoryTargets, access: Access): void {
  if (access === 'none') return;
  const { bucketArns, roleArns } = targets;
  if (roleArns.length > 0) {
    // What the assumed role may do is up to its own policy, in its own account.
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [...roleArns] }));
  }
  if (bucketArns.length === 0) return;
  const actions = access === 'write' ? [...S3_ACTIONS.read, ...S3_ACTIONS.write] : [...S3_ACTIONS.read];
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: bucketArns.map((arn) => `${arn}/*`) }));
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: [...S3_ACTIONS.list, 's3:GetBucketLocation'],
    resources: [...bucketArns],
  }));
  for (const arn of bucketArns) {
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arn}/*]`,
      reason: `A repository keeps any number of snapshot and blob objects in ${arn}; its prefix is only known at CREATE REPOSITORY`,
    });
  }
}
