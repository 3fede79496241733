import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoRecordTable, ensureTable } from '../lib/adapters/dynamodb/dynamodb-record-table.ts';
import { startEmbeddedDynamo } from '../lib/adapters/dynamodb/embedded-dynamodb.ts';
import { LocalKeySealer } from '../lib/adapters/secrets/local-key-sealer.ts';
import { LocalOrchestrator } from '../lib/adapters/local-sfn/local-orchestrator.ts';
import { FileObjectStore } from '../lib/adapters/storage/file/file-object-store.ts';
import { openObjectStore } from '../lib/adapters/storage/registry.ts';
import { CatalogStore } from '../lib/cluster/catalog-store.ts';
import { ControlStore } from '../lib/control/control-store.ts';
import { newId } from '../lib/domain/ids.ts';
import type { WorkerCounts } from '../lib/domain/workflow.ts';
import { systemClock } from '../lib/ports/clock.ts';
import { DEFAULT_BATCH, type ServiceContext } from '../lib/phases/context.ts';
import { taskBindings } from './task-bindings.ts';

/**
 * The embedded runtime: dynalite on disk under the home, segment files under the home, and the state
 * machines synthesized from cdk/ run in-process by aws-local-stepfunctions with the functions/ handlers.
 * One process owns a home at a time (LevelDB takes a lock).
 */
export interface Embedded {
  ctx: ServiceContext;
  home: string;
  /** Waits for running executions, then closes the store so another process can open the home. */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  workers?: WorkerCounts;
  leaseMs?: number;
  batch?: ServiceContext['batch'];
}

export const CATALOG_TABLE = 'starbackup-catalog';
export const CONTROL_TABLE = 'starbackup-control';

export async function openEmbedded(homeDir: string, options: EmbeddedOptions = {}): Promise<Embedded> {
  const home = resolve(homeDir);
  mkdirSync(join(home, 'data'), { recursive: true });
  const dynamo = await startEmbeddedDynamo({ path: join(home, 'dynamodb') });
  try {
    await ensureTable(dynamo.client, CATALOG_TABLE);
    await ensureTable(dynamo.client, CONTROL_TABLE);
  } catch (e) {
    await dynamo.close();
    throw e;
  }
  const workers = options.workers ?? { upload: 0, download: 0 };
  const ctx: ServiceContext = {
    catalog: new CatalogStore(new DynamoRecordTable(dynamo.client, CATALOG_TABLE)),
    control: new ControlStore(new DynamoRecordTable(dynamo.client, CONTROL_TABLE)),
    data: new FileObjectStore(join(home, 'data')),
    openLocation: openObjectStore,
    orchestrator: undefined as unknown as LocalOrchestrator,
    sealer: new LocalKeySealer(join(home, 'secret.key')),
    clock: systemClock,
    clusterId: clusterId(home),
    owner: `${hostname()}:${process.pid}`,
    leaseMs: options.leaseMs ?? 15 * 60_000,
    batch: options.batch ?? DEFAULT_BATCH,
  };
  // Handlers capture the context object, and the context holds the orchestrator that calls them.
  const orchestrator = new LocalOrchestrator({
    definitions: async () => (await import('../cdk/synth-definitions.ts')).synthesizeDefinitions({ workers }),
    handlers: taskBindings(ctx),
  });
  ctx.orchestrator = orchestrator;
  return {
    ctx,
    home,
    close: async () => {
      await orchestrator.idle();
      await dynamo.close();
    },
  };
}

/** A home is one cluster; its id goes into every snapshot it writes. */
function clusterId(home: string): string {
  const file = join(home, 'cluster-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = newId();
    writeFileSync(file, `${id}\n`, { flag: 'wx' });
    return id;
  }
}
