import { StarbackupError, StorageError } from '../../../domain/errors.ts';

/** Errors that only mean "nothing there" (a missing file, or a file where a folder was expected). */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);
/** Errors worth another try: resource exhaustion and flaky network file systems. */
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EIO', 'ETIMEDOUT', 'ESTALE']);

/** What a failed file operation means, said with the path (Node's own text says `EROFS: …, open '<temp>'`). */
const CAUSES: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  ENAMETOOLONG: 'the path is too long',
};

/** Whether a failed file operation only means "nothing there". */
export function isMissing(err: unknown): boolean {
  return MISSING.has((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** A file operation's failure as the port's StorageError (retryable when transient), naming key and path. */
export function fileError(err: unknown, store: string, key: string, op: string, where: string): Error {
  if (err instanceof StarbackupError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const cause = CAUSES[code];
  const message = cause
    ? `Cannot ${op} ${store}/${key}: ${cause} (${code} on ${where})`
    : `Cannot ${op} ${store}/${key}: ${(err as Error).message}`;
  return new StorageError(message, TRANSIENT.has(code), { cause: err });
}
