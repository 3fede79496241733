import { IntegrityError } from './errors.ts';

/**
 * Metadata files carry their own checksum, the sha256 of the body's JSON text. They are written
 * `{"body": …, "sha256": <hex>}`: the checksum trails the body, so a writer streams a body too large for one
 * string once, hashing it on the way. Files written before lead with it, `{"sha256": <hex>, "body": …}`. Both
 * are one JSON object and a reader looks both keys up by name, so every reader, this one and the older ones,
 * reads either layout; nothing records which. JSON.stringify of a parsed document reproduces its text, so the
 * check needs no canonical-JSON library.
 */
export interface Envelope<T> {
  sha256: string;
  body: T;
}

export type Hasher = (text: string) => string;

/** A sha256 fed piece by piece (node:crypto's Hash, outside lib/domain). */
export interface IncrementalHasher {
  update(text: string): unknown;
  digest(encoding: 'hex'): string;
}

const HEAD = '{"body":';
const tail = (bodySha256: string) => `,"sha256":"${bodySha256}"}`;

export function seal<T>(body: T, sha256: Hasher): string {
  const text = JSON.stringify(body);
  return `${HEAD}${text}${tail(sha256(text))}`;
}

/**
 * The envelope of a body whose JSON text comes in pieces: each piece is hashed as it passes, and the checksum
 * follows the body, so the body is read once. The text is what `seal` makes of the same body.
 */
export async function* sealPieces(body: AsyncIterable<string>, hasher: IncrementalHasher): AsyncGenerator<string> {
  yield HEAD;
  for await (const piece of body) {
    hasher.update(piece);
    yield piece;
  }
  yield tail(hasher.digest('hex'));
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
