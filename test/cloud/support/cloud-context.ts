/** The deployment the cloud tests stand up: what an operator would put in cdk.json. */
export const PARTNER_ROLE = 'arn:aws:iam::210987654321:role/partner-backup-writer';
export const PARTNER_EXTERNAL_ID = 'starbackup-cloud-test';

export const CLOUD_CONTEXT = {
  'starbackup:stackName': 'Starbackup',
  // Reached with the functions' own roles (repositories created with aws.s3.use_instance_profile).
  'starbackup:repositoryBucketArns': ['arn:aws:s3:::team-backups'],
  // Reached by assuming the bucket owner's role (aws.s3.iam_role_arn).
  'starbackup:repositoryRoleArns': [PARTNER_ROLE],
  'starbackup:schedules': [
    { name: 'nightly', schedule: 'cron(0 2 * * ? *)', database: 'sales', repository: 'team_repo', labelPrefix: 'nightly', keepLast: 2, user: 'root' },
  ],
  // The callers that run as root: the tests' operator (entry-points.ts callApi) and the smoke test's user.
  'starbackup:rootPrincipalArns': ['arn:aws:iam::123456789012:user/operator', 'arn:aws:iam::123456789012:user/smoke'],
  upload_worker_count: 2,
  download_worker_count: 2,
} as const;
