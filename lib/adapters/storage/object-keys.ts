import { StorageError } from '../../domain/errors.ts';

/**
 * Key rules shared by every backend, so a key that works on one works on all. Keys are relative
 * `/`-separated paths; anything that could escape the store's root or mean different objects on
 * different backends (`a//b`, `./a`, `a\b`) is refused before it reaches a path or a URL.
 */

/** Suffix of in-progress uploads in backends that write a temporary object first; never listed. */
export const TEMP_SUFFIX = /\.tmp-[0-9a-f]{16}$/;

export function checkKey(key: string, store: string): string {
  const problem = keyProblem(key, false);
  if (problem) throw new StorageError(`Invalid object key ${JSON.stringify(key)} in ${store}: ${problem}`, false);
  return key;
}

/** A prefix may be empty and may end anywhere, even mid-name (`__ss_`), but may not escape the root. */
export function checkPrefix(prefix: string, store: string): string {
  const problem = keyProblem(prefix, true);
  if (problem) throw new StorageError(`Invalid key prefix ${JSON.stringify(prefix)} in ${store}: ${problem}`, false);
  return prefix;
}

export interface ByteRange {
  start: number;
  end?: number;
}

/** Validates an inclusive byte range; returns the exclusive end for slicing, or undefined for "to the end". */
export function checkRange(range: ByteRange, key: string, store: string): number | undefined {
  const { start, end } = range;
  const ok = Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!ok) throw new StorageError(`Invalid byte range ${start}-${end ?? ''} for ${store}/${key}`, false);
  return end === undefined ? undefined : end + 1;
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (!isPrefix && key === '') return 'the key is empty';
  if (key.includes('\0')) return 'it contains a NUL character';
  if (key.includes('\\')) return 'it contains a backslash';
  if (key.startsWith('/')) return 'it is absolute';
  const segments = key.split('/');
  // The last segment of a prefix is a partial name, so `.`, `..` and '' there match longer names only.
  const whole = isPrefix ? segments.slice(0, -1) : segments;
  if (whole.includes('..')) return 'it contains a ".." segment';
  if (whole.includes('.')) return 'it contains a "." segment';
  if (whole.includes('')) return 'it contains an empty segment';
  if (!isPrefix && TEMP_SUFFIX.test(key)) return 'the name is reserved for temporary files';
  return undefined;
}
