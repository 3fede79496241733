import { chmod } from 'node:fs/promises';
import type { Server } from 'node:http';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { Level } from 'level';
import { StorageError, errorMessage } from '../../domain/errors.ts';
import { DamagedStoreError } from './damaged-store-error.ts';
import { DynamoSocket } from './dynamo-socket.ts';
import { type RequestListener, inProcessHandler } from './in-process-handler.ts';
import { checkLevelStore } from './leveldb-check.ts';

export interface EmbeddedDynamo {
  /** `http://localhost`, the host requests are signed for. */
  endpoint: string;
  /**
   * The Unix domain socket the server listens on, reachable only by this user (see DynamoSocket): a
   * client in another process connects with an http.Agent whose `createConnection` opens this path.
   */
  socketPath: string;
  /** Hands its requests to the server's listener in this process (in-process-handler.ts), not the socket. */
  client: DynamoDBClient;
  /** Stops the server and resolves once LevelDB is closed (its LOCK released), so the home can be reopened. */
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** Folder of the on-disk LevelDB store; in memory when omitted. */
  path?: string;
}

/**
 * The signer of the in-process client. dynalite checks that a request carries a SigV4-shaped Authorization
 * header and a date, never the signature (it has no keys to check it with), and these requests never leave
 * the process: computing SigV4 (canonical request, hashes, HMACs) was about a millisecond of CPU for each
 * of the dozens of requests a job makes. A client of the socket (another process) still signs.
 */
const UNSIGNED = {
  async sign<R extends { headers: Record<string, string> }>(request: R): Promise<R> {
    request.headers['x-amz-date'] = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    request.headers.authorization = 'AWS4-HMAC-SHA256 Credential=local/19700101/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned';
    return request;
  },
};

/** dynalite's own default (30 s) would hang a test run; the store closes in milliseconds when idle. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Starts dynalite in this process on a Unix domain socket only this user can reach. An on-disk store is
 * first checked (read-only, every block and log record against its checksum) and then opened once, so a
 * damaged store (DamagedStoreError) or one open in another process (StorageError) is refused before
 * dynalite, which would throw such errors from inside a request callback, ever touches it.
 */
export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  if (options.path !== undefined) {
    await checkLevelStore(options.path);
    await probeStore(options.path);
  }
  const socket = await DynamoSocket.place(options.path);
  const server = dynalite({
    ...(options.path === undefined ? {} : { path: options.path }),
    // Tables are ACTIVE at once, so ensureTable does not wait half a second per table.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const client = new DynamoDBClient({
    endpoint: 'http://localhost',
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: inProcessHandler(server.listeners('request')[0] as RequestListener),
    signer: UNSIGNED,
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      client.destroy();
      try {
        await socket.remove();
      } finally {
        await closeServer(server, options.path);
      }
    })());

  // dynalite opens its store in the background; one request waits for it, so once this returns the
  // store's LOCK is held and another process probing the same home is refused. The server listens even
  // though this process's client does not use the socket: dynalite closes its store only through the
  // server's close().
  try {
    await listen(server, socket.bindPath);
    await chmod(socket.bindPath, 0o600);
    await client.send(new ListTablesCommand({ Limit: 1 }));
    await socket.publish();
  } catch (err) {
    await close().catch(() => undefined);
    throw new StorageError(`Cannot open the embedded DynamoDB at ${options.path ?? 'memory'}: ${errorMessage(err)}`, false, { cause: err });
  }
  return { endpoint: 'http://localhost', socketPath: socket.path, client, close };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** dynalite's close callback runs after its LevelDB store has closed (or failed to). */
async function closeServer(server: Server, path: string | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve()));
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new StorageError(`embedded DynamoDB at ${path ?? 'memory'} did not close`, false));
        }, CLOSE_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens and closes the LevelDB store once before dynalite does. dynalite opens it lazily and turns any
 * store error (such as the LOCK being held by another process on the same home) into an uncaught
 * exception inside a request callback, which would kill this process on the first request. `level` is the
 * copy dynalite requires (package.json pins the version dynalite resolves; the CLI's bundle holds one).
 */
async function probeStore(path: string): Promise<void> {
  const db = new Level(path);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code === 'LEVEL_CORRUPTION') throw new DamagedStoreError(path, path, `LevelDB reports ${cause.message ?? 'corruption'}`);
    const detail = cause?.code === 'LEVEL_LOCKED' ? 'it is in use by another process' : (cause?.message ?? String(err));
    throw new StorageError(`Cannot open the embedded DynamoDB at ${path}: ${detail}`, false, { cause: err });
  }
  await db.close();
}
