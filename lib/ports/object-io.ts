import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { IntegrityError } from '../domain/errors.ts';
import type { ObjectStore } from './object-store.ts';

/** Helpers over the ObjectStore port for small documents (metadata, manifests). */
export async function readBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

export async function getText(store: ObjectStore, key: string): Promise<string> {
  return (await readBytes(await store.get(key))).toString('utf8');
}

export async function getJson<T>(store: ObjectStore, key: string): Promise<T> {
  const text = await getText(store, key);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new IntegrityError(`${store.description}/${key} is not valid JSON`);
  }
}

export async function putJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.put(key, JSON.stringify(value));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function listAll(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix, { sizes: false })) keys.push(o.key);
  return keys.sort();
}
