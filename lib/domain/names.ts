import { AnalysisError } from './errors.ts';

/**
 * Object names end up in storage keys and DynamoDB keys, so anything that could escape a path or confuse a
 * key (`/`, `..`, control characters, `#` which separates key parts) is refused up front.
 */
const MAX_NAME = 256;

export function checkName(kind: string, name: string): string {
  if (name.length === 0) throw new AnalysisError(`${kind} name is empty`);
  if (name.length > MAX_NAME) throw new AnalysisError(`${kind} name is longer than ${MAX_NAME} characters: '${name.slice(0, 40)}…'`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f/\\#]/.test(name) || name === '.' || name.includes('..')) {
    throw new AnalysisError(`Incorrect ${kind.toLowerCase()} name '${printable(name)}': it must not contain '/', '\\', '#', '..' or control characters`);
  }
  return name;
}

/** A name for messages: control characters shown as escapes so a message never breaks a terminal. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
