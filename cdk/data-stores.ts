/**
 * What the cluster keeps: the catalog and control tables (single-table design, pk/sk), the data bucket
 * for segment files and staging, and the KMS key that seals repository credentials. Grants are explicit
 * action lists that mirror what the adapters call, so each function gets only what its phase uses.
 */
import { type CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import type { Access } from '../lib/domain/phase-registry.ts';

export type { Access };

/** The commands DynamoRecordTable sends; test/cdk checks this list against the adapter. */
export const DYNAMODB_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
} as const;

export const S3_ACTIONS = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
  list: ['s3:ListBucket'],
} as const;

/** Segment files and staging live under this prefix of the data bucket: DATA_LOCATION is s3://bucket/cluster. */
export const DATA_PREFIX = 'cluster';

export interface DataStoresProps {
  removalPolicy: RemovalPolicy;
}

export class DataStores extends Construct {
  readonly catalogTable: dynamodb.Table;
  readonly controlTable: dynamodb.Table;
  readonly dataBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly sealingKey: kms.Key;

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    const table = (tableId: string) =>
      new dynamodb.Table(this, tableId, {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        // `ttl` (epoch seconds) is set a day after a lease lapses and a week after a job finishes: a lapsed
        // lease is free for anyone to take anyway, so the sweep can never break a running job.
        timeToLiveAttribute: 'ttl',
        deletionProtection: retain,
        removalPolicy: props.removalPolicy,
      });
    this.catalogTable = table('CatalogTable');
    this.controlTable = table('ControlTable');
    for (const t of [this.catalogTable, this.controlTable]) {
      Validations.of(t).acknowledge({
        id: 'AwsSolutions-DDB4',
        reason: 'Point-in-time recovery (35 days) is on; adding the table to an AWS Backup plan is an account-wide choice left to the operator',
      });
    }

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED, // server access logging only delivers to SSE-S3 buckets
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the data bucket\'s server access logs; logging its own access would log the logging',
    });

    this.dataBucket = new s3.Bucket(this, 'DataBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'data-bucket/',
      // Segments are immutable and removed only by DROP TABLE, cancels and staging cleanup: old versions are
      // a safety net for a month, not an archive.
      lifecycleRules: [{
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        expiredObjectDeleteMarker: true,
      }],
      removalPolicy: props.removalPolicy,
    });

    this.sealingKey = new kms.Key(this, 'SealingKey', {
      description: 'Seals the credentials given to CREATE REPOSITORY (encryption context: repository name)',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
  }

  get dataLocation(): string {
    return `s3://${this.dataBucket.bucketName}/${DATA_PREFIX}`;
  }

  grantCatalog(grantee: iam.IGrantable, access: Access): void {
    grantTable(this.catalogTable, grantee, access);
  }

  grantControl(grantee: iam.IGrantable, access: Access): void {
    grantTable(this.controlTable, grantee, access);
  }

  /** Only the cluster's prefix of the bucket; the bucket itself is listed only under it. */
  grantData(grantee: iam.IGrantable & IConstruct, access: Access): void {
    if (access === 'none') return;
    const bucketId = Stack.of(this).getLogicalId(this.dataBucket.node.defaultChild as CfnResource);
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${DATA_PREFIX}/*]`,
      reason: `Segment files and staging objects are created under ${DATA_PREFIX}/ with generated keys; the grant is limited to that prefix`,
    });
    const objects = this.dataBucket.arnForObjects(`${DATA_PREFIX}/*`);
    const actions = access === 'write' ? [...S3_ACTIONS.read, ...S3_ACTIONS.write] : [...S3_ACTIONS.read];
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [objects] }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [...S3_ACTIONS.list],
      resources: [this.dataBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [DATA_PREFIX, `${DATA_PREFIX}/*`] } },
    }));
  }

  /** Decrypt (and for CREATE REPOSITORY, encrypt) with the repository-name encryption context the sealer sets. */
  grantSealingKey(grantee: iam.IGrantable, use: 'unseal' | 'seal'): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: use === 'seal' ? ['kms:Encrypt', 'kms:Decrypt'] : ['kms:Decrypt'],
      resources: [this.sealingKey.keyArn],
      conditions: { Null: { 'kms:EncryptionContext:repository': 'false' } },
    }));
  }
}

function grantTable(table: dynamodb.Table, grantee: iam.IGrantable, access: Access): void {
  if (access === 'none') return;
  table.grant(grantee, ...DYNAMODB_ACTIONS.read, ...(access === 'write' ? DYNAMODB_ACTIONS.write : []));
}
