import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { StorageError, errorMessage } from '../../domain/errors.ts';

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`, for other clients in this process (or a child process). */
  endpoint: string;
  client: DynamoDBClient;
  /** Stops the server and resolves once LevelDB is closed (its LOCK released), so the home can be reopened. */
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** Folder of the on-disk LevelDB store; in memory when omitted. */
  path?: string;
}

/** dynalite's own default (30 s) would hang a test run; the store closes in milliseconds when idle. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Starts dynalite in this process on 127.0.0.1 with an ephemeral port. */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  if (options.path !== undefined) await probeStore(options.path);
  const server = dynalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    // Tables are ACTIVE at once, so ensureTable does not wait half a second per table.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // dynalite opens its store in the background; one request waits for it, so once this returns the
  // store's LOCK is held and another process probing the same home is refused.
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
  } catch (err) {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
    throw new StorageError(`Cannot open the embedded DynamoDB at ${options.path ?? 'memory'}: ${errorMessage(err)}`, false, { cause: err });
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Destroying the client drops its keep-alive sockets; otherwise server.close() waits on them.
      client.destroy();
      // dynalite's close callback runs after its LevelDB store has closed (or failed to).
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              reject(new StorageError(`embedded DynamoDB at ${options.path ?? 'memory'} did not close`, false));
            }, CLOSE_TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    })());

  return { endpoint, client, close };
}

interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens and closes the LevelDB store once before dynalite does. dynalite opens it lazily and turns any
 * store error (such as the LOCK being held by another process on the same home) into an uncaught
 * exception inside a request callback, which would kill this process on the first request. `level` is
 * resolved from dynalite's own folder so it is the exact copy dynalite uses.
 */
async function probeStore(path: string): Promise<void> {
  const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = requireFromDynalite('level') as { Level: new (path: string) => LevelLike };
  const db = new Level(path);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code === 'LEVEL_LOCKED' ? 'it is in use by another process' : (cause?.message ?? String(err));
    throw new StorageError(`Cannot open the embedded DynamoDB at ${path}: ${detail}`, false, { cause: err });
  }
  await db.close();
}
