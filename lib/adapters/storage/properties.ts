import { AnalysisError } from '../../domain/errors.ts';
import { isSecretProperty } from '../../domain/secrets.ts';

/** Reading CREATE REPOSITORY properties. Errors name the property and, unless it is a secret, its value. */
export type Properties = Readonly<Record<string, string>>;

/** The first of several synonymous properties that is set (StarRocks' name first, then Hadoop's). */
export function pick(props: Properties, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = props[name]?.trim();
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

export function pickString(props: Properties, ...names: string[]): string | undefined {
  return pick(props, ...names)?.value;
}

export function pickBoolean(props: Properties, ...names: string[]): boolean | undefined {
  const found = pick(props, ...names);
  if (!found) return undefined;
  const value = found.value.toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new AnalysisError(`Invalid value ${shown(found.name, found.value)} for property ${found.name}: expected true or false`);
}

export function pickPort(props: Properties, name: string): number | undefined {
  const value = pickString(props, name);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new AnalysisError(`Invalid value '${value}' for property ${name}: expected a port number from 1 to 65535`);
  }
  return port;
}

/**
 * Typos in a backend's own namespace (`aws.s3.acces_key`) would otherwise fall back silently to other
 * credentials; other keys pass, as StarRocks passes them, since Hadoop-style configurations carry many.
 */
export function rejectUnknown(props: Properties, namespace: string, known: readonly string[]): void {
  const unknown = Object.keys(props).filter((k) => k.toLowerCase().startsWith(namespace) && !known.includes(k)).sort();
  if (unknown.length) {
    throw new AnalysisError(`Unknown repository properties: [${unknown.join(', ')}]; supported ${namespace}* properties: ${known.join(', ')}`);
  }
}

function shown(name: string, value: string): string {
  return isSecretProperty(name) ? '******' : `'${value}'`;
}

/** The path of a location (`/a/b/`) as clean segments; `.`/`..`/empty segments and encoded `/` are refused. */
export function locationPath(location: string, path: string | undefined): string {
  let segments: string[];
  try {
    segments = (path ?? '').split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw new AnalysisError(`Invalid location '${location}': its path is not valid percent-encoding`);
  }
  if (segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'))) {
    throw new AnalysisError(`Invalid location '${location}': its path may not contain '.', '..', '\\' or encoded '/'`);
  }
  return segments.join('/');
}
