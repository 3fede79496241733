import { NotFoundError, StarbackupError, StorageError } from '../../../domain/errors.ts';

/** The JSON body of a WebHDFS error (`{"RemoteException": {...}}`). */
export interface RemoteException {
  exception: string;
  javaClassName?: string;
  message?: string;
}

const ACCESS = new Set(['AccessControlException', 'SecurityException', 'AuthorizationException', 'InvalidToken', 'AuthenticationException']);
/** What HDFS itself says may succeed when tried again (failover, safe mode, a busy namenode). */
const TRANSIENT = new Set([
  'StandbyException', 'RetriableException', 'SafeModeException', 'ObserverRetryOnActiveException', 'ConnectException',
  'SocketTimeoutException', 'AlreadyBeingCreatedException', 'LeaseExpiredException', 'NotReplicatedYetException',
]);

const REMOTE = Symbol('remoteException');

/** The Java exception name behind a mapped error, for the few cases that are not failures. */
export function remoteExceptionOf(err: unknown): string | undefined {
  return (err as { [REMOTE]?: string } | undefined)?.[REMOTE];
}

/**
 * Maps a WebHDFS error response to the port's errors. HDFS answers 403 for most IOExceptions, standby and
 * safe mode included, so the exception's name decides, and the status only when the name is unknown.
 */
export function mapRemoteException(status: number, remote: RemoteException | undefined, what: string, namenode: string): Error {
  return Object.assign(typedError(status, remote, what, namenode), { [REMOTE]: remote?.exception });
}

function typedError(status: number, remote: RemoteException | undefined, what: string, namenode: string): Error {
  const name = remote?.exception ?? `HTTP ${status}`;
  const detail = `${name}${remote?.message ? `: ${remote.message.split('\n')[0]}` : ''}`;
  if (name === 'FileNotFoundException' || (!remote && status === 404)) return new NotFoundError(`${what}: not found (${detail})`);
  if (ACCESS.has(name) || (!remote && (status === 401 || status === 403))) {
    return new StorageError(`Access denied by the namenode ${namenode} to ${what}: ${detail}`, false);
  }
  const retryable = TRANSIENT.has(name) || status === 429 || status >= 500;
  return new StorageError(`HDFS could not ${what}: ${detail}`, retryable);
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** A fetch that failed without an answer (undici puts the socket error in `cause`). */
export function mapFetchFailure(err: unknown, what: string, host: string): Error {
  // The trust guard's refusal, raised while connecting: it says what was refused and why.
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof StarbackupError) return cause;
  const code = (err as { cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
  const known = code !== undefined && NETWORK.has(code);
  return new StorageError(`Cannot reach ${host} to ${what}: ${known ? code : (err as Error)?.message ?? String(err)}`, true);
}
