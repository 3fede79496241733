import { IntegrityError } from './errors.ts';

/**
 * Metadata files carry their own checksum: `{"sha256": <hex of body JSON>, "body": …}`. JSON.stringify of a
 * parsed document reproduces its text, so the check needs no canonical-JSON library.
 */
export interface Envelope<T> {
  sha256: string;
  body: T;
}

export type Hasher = (text: string) => string;

export function seal<T>(body: T, sha256: Hasher): string {
  const text = JSON.stringify(body);
  const [head, tail] = envelopeAround(sha256(text));
  return `${head}${text}${tail}`;
}

/** What goes before and after a body's JSON text, for writers that stream a body too large for one string. */
export function envelopeAround(bodySha256: string): [string, string] {
  return [`{"sha256":"${bodySha256}","body":`, '}'];
}

export function unseal<T>(text: string, what: string, sha256: Hasher): T {
  let env: Envelope<T>;
  try {
    env = JSON.parse(text) as Envelope<T>;
  } catch {
    throw new IntegrityError(`${what} is corrupt: not valid JSON`);
  }
  if (!env || typeof env !== 'object' || typeof env.sha256 !== 'string' || env.body === undefined) {
    throw new IntegrityError(`${what} is corrupt: no checksum envelope`);
  }
  const actual = sha256(JSON.stringify(env.body));
  if (actual !== env.sha256) throw new IntegrityError(`${what} is corrupt: sha256 ${actual}, expected ${env.sha256}`);
  return env.body;
}
