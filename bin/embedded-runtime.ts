import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DynamoRecordTable, ensureTable } from '../lib/adapters/dynamodb/dynamodb-record-table.ts';
import { DamagedStoreError } from '../lib/adapters/dynamodb/damaged-store-error.ts';
import { startEmbeddedDynamo } from '../lib/adapters/dynamodb/embedded-dynamodb.ts';
import { LocalKeySealer } from '../lib/adapters/secrets/local-key-sealer.ts';
import { cachedDefinitions } from './definitions-cache.ts';
import { homeGuard } from './home-policy.ts';
import { Door } from '../lib/access/trust-policy.ts';
import { type LocalHandlers, LocalOrchestrator } from '../lib/adapters/local-sfn/local-orchestrator.ts';
import { FileObjectStore } from '../lib/adapters/storage/file/file-object-store.ts';
import { openObjectStore } from '../lib/adapters/storage/registry.ts';
import { CatalogStore } from '../lib/cluster/catalog-store.ts';
import { ControlStore } from '../lib/control/control-store.ts';
import { lapsed } from '../lib/control/lock-store.ts';
import { IntegrityError } from '../lib/domain/errors.ts';
import type { PhaseRegistry } from '../lib/domain/phase-registry.ts';
import { HOME_CONFIG_FILE, type HomeConfig, parseHomeConfig } from '../lib/domain/home-config.ts';
import { newId } from '../lib/domain/ids.ts';
import type { WorkerCounts } from '../lib/domain/workflow.ts';
import { systemClock } from '../lib/ports/clock.ts';
import type { UndeclaredAccessError } from '../lib/jobs/scoped-context.ts';
import { DEFAULT_BATCH, type ServiceContext } from '../lib/jobs/service-context.ts';
import { watchJob } from '../lib/jobs/job-watch.ts';
import { type OrphanTest, type RecoveredJob, RecoveryReason, recoverOrphans } from '../lib/jobs/recover-jobs.ts';
import { holdAfterTask, pauseAfterTask } from './test-hooks.ts';
import { homeInUse, isHomeLocked, recordHolder } from './home-holder.ts';
import { serverFiles } from './server-client.ts';
import { type HandlerWrapper, taskBindings, wrapBindings } from './task-bindings.ts';
import { pidAlive } from './pid-alive.ts';
import { zstdCompressor } from '../lib/adapters/zstd/zstd-compressor.ts';

/**
 * The embedded runtime: dynalite on disk under the home, segment files under the home, and the state
 * machines synthesized from cdk/ run in-process by aws-local-stepfunctions with the functions/ handlers.
 * One process owns a home at a time (LevelDB takes a lock). Opening a home first recovers the jobs a
 * killed process left behind (see lib/jobs/recover-jobs.ts), before any statement runs.
 */
export interface Embedded {
  ctx: ServiceContext;
  home: string;
  orchestrator: LocalOrchestrator;
  /** What the recovery at open found and did. */
  recovered: RecoveredJob[];
  /**
   * The uses of undeclared access refused so far (see bin/task-bindings.ts), and forgets them: for a test
   * that provokes one. `close` fails with the first one left.
   */
  takeUndeclaredAccess(): UndeclaredAccessError[];
  /**
   * Waits for running executions, then closes the store so another process can open the home. Fails when
   * a phase used access it does not declare, even if its job ended well (the process's tests then fail).
   */
  close(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Who the statements come from: the home's owner (the CLI, the default) or other callers (serve). */
  door?: Door;
  /** Overrides `<home>/starbackup.conf`'s upload_worker_count / download_worker_count. */
  workers?: WorkerCounts;
  /** Lock lease; the heartbeat of a running job renews it every third of it. */
  leaseMs?: number;
  batch?: ServiceContext['batch'];
  /** The fault-injection seam of the tests: wraps each Task handler, by workflow and state name. */
  wrapHandlers?: HandlerWrapper;
  /** Overrides every Task's TimeoutSeconds (tests of timeouts). */
  taskTimeoutSeconds?: number;
  /** Which held locks belong to a runner that is gone; the default is `orphanedHere`. */
  orphaned?: OrphanTest;
  /**
   * The phase registry whose declared access each phase's context is narrowed to (bin/task-bindings.ts);
   * lib/domain/phase-registry.ts unless a test passes a copy.
   */
  registry?: PhaseRegistry;
  /** What `<home>/holder.json` says holds the home (bin/home-holder.ts); by default from the door. */
  holder?: string;
}

export const CATALOG_TABLE = 'starbackup-catalog';
export const CONTROL_TABLE = 'starbackup-control';
const SECRET_KEY_FILE = 'secret.key';
const CLUSTER_ID_FILE = 'cluster-id';
/** One process runs the jobs of a home and renews their leases while it lives, so the lease can be short. */
export const EMBEDDED_LEASE_MS = 60_000;

export async function openEmbedded(homeDir: string, options: EmbeddedOptions = {}): Promise<Embedded> {
  const home = resolve(homeDir);
  // Read before anything opens, so a bad file is reported without touching the home.
  const config = readHomeConfig(home);
  const workers = resolveWorkers(options.workers ?? config.workers);
  const guard = homeGuard(home, options.door ?? Door.OWNER, config);
  ownHome(home);
  const dynamo = await startEmbeddedDynamo({ path: join(home, 'dynamodb') }).catch((e: unknown) => {
    throw e instanceof DamagedStoreError ? damagedHome(home, e) : isHomeLocked(e) ? homeInUse(home, e) : e;
  });
  const releaseHolder = recordHolder(home, options.holder ?? (options.door === Door.SERVER ? 'starbackup serve' : 'starbackup'));
  try {
    await Promise.all([ensureTable(dynamo.client, CATALOG_TABLE), ensureTable(dynamo.client, CONTROL_TABLE)]);
  } catch (e) {
    releaseHolder();
    await dynamo.close();
    throw e;
  }
  const ctx: ServiceContext = {
    catalog: new CatalogStore(new DynamoRecordTable(dynamo.client, CATALOG_TABLE)),
    control: new ControlStore(new DynamoRecordTable(dynamo.client, CONTROL_TABLE)),
    data: new FileObjectStore(join(home, 'data')),
    openLocation: (location, properties, opts) => openObjectStore(location, properties, { ...opts, guard }),
    orchestrator: undefined as unknown as LocalOrchestrator,
    sealer: new LocalKeySealer(join(home, SECRET_KEY_FILE)),
    clock: systemClock,
    clusterId: clusterId(home),
    compressor: zstdCompressor(),
    owner: `${hostname()}:${process.pid}`,
    leaseMs: options.leaseMs ?? EMBEDDED_LEASE_MS,
    batch: options.batch ?? DEFAULT_BATCH,
    workers: { makeSnapshot: workers.makeSnapshot!, releaseSnapshot: workers.releaseSnapshot! },
  };
  const undeclared: UndeclaredAccessError[] = [];
  let handlers: LocalHandlers = taskBindings(ctx, options.registry, (e) => undeclared.push(e));
  const pause = pauseAfterTask(process.env);
  if (pause) handlers = wrapBindings(handlers, pause);
  const hold = holdAfterTask(process.env, ctx);
  if (hold) handlers = wrapBindings(handlers, hold);
  if (options.wrapHandlers) handlers = wrapBindings(handlers, options.wrapHandlers);
  // Handlers capture the context object, and the context holds the orchestrator that calls them.
  const orchestrator = new LocalOrchestrator({
    // The Map states depend on the upload and download counts only: the others do not re-synthesize.
    definitions: () => cachedDefinitions(home, { upload: workers.upload, download: workers.download }),
    handlers,
    watch: (_workflow, input) => watchJob(ctx, input),
    ...(options.taskTimeoutSeconds === undefined ? {} : { taskTimeoutSeconds: options.taskTimeoutSeconds }),
  });
  ctx.orchestrator = orchestrator;
  let recovered: RecoveredJob[];
  try {
    recovered = await recoverOrphans(ctx, options.orphaned ?? orphanedHere(hostname()));
  } catch (e) {
    releaseHolder();
    await dynamo.close();
    throw e;
  }
  return {
    ctx,
    home,
    orchestrator,
    recovered,
    takeUndeclaredAccess: () => undeclared.splice(0),
    close: async () => {
      await orchestrator.idle();
      try {
        await dynamo.close();
      } finally {
        // After the LOCK is released: a process that opened the home since has its own record, kept.
        releaseHolder();
      }
      if (undeclared[0]) throw undeclared[0];
    },
  };
}

/**
 * The home belongs to its owner: it is created with mode 0700 (the embedded DynamoDB's socket, the sealing
 * key and the server's token live in it), and a home of ours that older versions made 0755 is tightened,
 * with its key files, to 0700 and 0600. A home of another user is left as it is.
 */
function ownHome(home: string): void {
  mkdirSync(dirname(home), { recursive: true });
  try {
    mkdirSync(home, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && statSync(home).uid === uid) {
    tighten(home, 0o700);
    const server = serverFiles(home);
    for (const file of [join(home, SECRET_KEY_FILE), join(home, CLUSTER_ID_FILE), server.token, server.info]) tighten(file, 0o600);
  }
  mkdirSync(join(home, 'data'), { recursive: true, mode: 0o700 });
}

/** Drops the group and other bits of one of our files or folders (not through a symlink). */
function tighten(path: string, mode: number): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (st.uid === process.getuid?.() && !st.isSymbolicLink() && (st.mode & 0o077) !== 0) chmodSync(path, mode);
}

function damagedHome(home: string, e: DamagedStoreError): IntegrityError {
  return new IntegrityError(
    `The catalog of home ${home} is damaged (${e.file}: ${e.detail}): restore the home from a copy, or move ` +
      `${e.storePath} aside to start an empty cluster and CREATE REPOSITORY again to restore from your snapshots; ` +
      'snapshots in repositories are not affected',
    { cause: e },
  );
}

/** `<home>/starbackup.conf`, or the defaults when there is none. */
export function readHomeConfig(home: string): HomeConfig {
  const file = join(home, HOME_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseHomeConfig('', file);
    throw e;
  }
  return parseHomeConfig(text, file);
}

/** 0 is one worker per core of this machine, resolved here so a home moved to another machine follows it. */
function resolveWorkers(w: WorkerCounts): WorkerCounts {
  const cores = availableParallelism();
  return { upload: w.upload || cores, download: w.download || cores, makeSnapshot: w.makeSnapshot || cores, releaseSnapshot: w.releaseSnapshot || cores };
}

/**
 * The embedded orphan test: a lock whose owner process on this host is no longer alive, or whose lease
 * ran out (its owner is on another host, or stopped renewing). This process's own locks are never orphans.
 */
export function orphanedHere(host: string, alive: (pid: number) => boolean = pidAlive): OrphanTest {
  return (lock, now) => {
    const [ownerHost, pidText] = splitOwner(lock.doc.owner);
    const pid = Number(pidText);
    if (ownerHost === host && pid === process.pid) return undefined;
    if (ownerHost === host && Number.isInteger(pid) && pid > 0 && !alive(pid)) return RecoveryReason.OWNER_GONE;
    return lapsed(lock, now) ? RecoveryReason.LEASE_LAPSED : undefined;
  };
}

function splitOwner(owner: string): [string, string] {
  const i = owner.lastIndexOf(':');
  return i < 0 ? [owner, ''] : [owner.slice(0, i), owner.slice(i + 1)];
}


/** A home is one cluster; its id goes into every snapshot it writes. */
function clusterId(home: string): string {
  const file = join(home, CLUSTER_ID_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const id = newId();
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  }
}

/** One line per job recovered when the home was opened, for stderr: the user should know a job was undone. */
export function describeRecovered(recovered: RecoveredJob[]): string[] {
  return recovered.map((r) => `recovered job ${r.jobId}${r.db ? ` on database ${r.db}` : ''}: ${r.outcome}${r.error ? ` (${r.error})` : ''}`);
}
