import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CatalogStore } from '../lib/cluster/catalog-store.ts';
import { ControlStore } from '../lib/control/control-store.ts';
import { DynamoRecordTable } from '../lib/adapters/dynamodb/dynamodb-record-table.ts';
import { KmsSealer } from '../lib/adapters/secrets/kms-sealer.ts';
import { SfnOrchestrator, stateMachineArnsFromEnv } from '../lib/adapters/sfn/sfn-orchestrator.ts';
import { openObjectStore } from '../lib/adapters/storage/registry.ts';
import { doorPolicy } from '../lib/access/door-policy.ts';
import { Door, trustGuard } from '../lib/access/trust-policy.ts';
import { InternalError } from '../lib/domain/errors.ts';
import { systemClock } from '../lib/ports/clock.ts';
import type { Orchestrator } from '../lib/ports/orchestrator.ts';
import { DEFAULT_BATCH, type ServiceContext } from '../lib/jobs/service-context.ts';
import { zstdCompressor } from '../lib/adapters/zstd/zstd-compressor.ts';

/** Builds the service context once per cold start, from the environment the stack sets. */
let context: Promise<ServiceContext> | undefined;
let apiContext: Promise<ServiceContext> | undefined;

export function getContext(): Promise<ServiceContext> {
  context ??= Promise.resolve().then(() => contextFromEnv(process.env));
  return context;
}

/** The context of the functions that run statements (API, schedules): BACKUP and RESTORE start executions. */
export function getApiContext(): Promise<ServiceContext> {
  apiContext ??= Promise.resolve().then(() => contextFromEnv(process.env, new SfnOrchestrator(stateMachineArnsFromEnv(process.env))));
  return apiContext;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new InternalError(`environment variable ${name} is not set`);
  return v;
}

/** Workflow handlers never start executions; only the API handler does, and it brings its own orchestrator. */
const noOrchestrator: Orchestrator = {
  start: () => Promise.reject(new InternalError('workflow handlers do not start executions')),
};

export function contextFromEnv(env: NodeJS.ProcessEnv, orchestrator: Orchestrator = noOrchestrator): ServiceContext {
  const dynamo = new DynamoDBClient({});
  // Every cloud door answers other people: no local storage, no private endpoint unless the stack allows it.
  const guard = trustGuard(
    doorPolicy({ door: Door.CLOUD, allowedEndpoints: (env.ALLOWED_ENDPOINTS ?? '').split(',').filter((e) => e.trim() !== ''), settings: 'the CDK context starbackup:allowedEndpoints' }),
  );
  // The stack's region for S3 locations that name none: the data bucket is in it, and so, most likely, are
  // the repositories. A bucket elsewhere is still found through S3's region redirect.
  const defaultRegion = env.AWS_REGION;
  return {
    catalog: new CatalogStore(new DynamoRecordTable(dynamo, required(env, 'CATALOG_TABLE'))),
    control: new ControlStore(new DynamoRecordTable(dynamo, required(env, 'CONTROL_TABLE'))),
    data: openObjectStore(required(env, 'DATA_LOCATION'), {}, { defaultRegion }),
    openLocation: (location, properties, opts) => openObjectStore(location, properties, { ...opts, guard, defaultRegion }),
    orchestrator,
    sealer: new KmsSealer(required(env, 'SECRETS_KEY_ID')),
    clock: systemClock,
    clusterId: required(env, 'CLUSTER_ID'),
    compressor: zstdCompressor(),
    owner: env.AWS_LAMBDA_FUNCTION_NAME ?? 'lambda',
    leaseMs: Number(env.LOCK_LEASE_MS ?? 15 * 60_000),
    batch: DEFAULT_BATCH,
  };
}
