import type { RepositoryRecord } from '../../domain/control-types.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { presentBlobs } from '../../repository/snapshot-gc.ts';
import type { TransferItem } from '../staging.ts';

/** Up to this many blobs are looked up one by one; more, with one listing of all the repository's blobs. */
export const LOOKUP_LIMIT = 256;
const LOOKUPS_AT_ONCE = 16;

/**
 * The items whose blob the repository lacks, in either form, or holds with another size (a damaged upload;
 * a compressed blob's size is its header's, and a listing takes its presence for it). A backup of a
 * small database into a repository of a million blobs asks about its own few blobs instead of listing
 * them all; a large backup lists once, which is cheaper than a request per blob.
 */
export async function* missingBlobs(
  store: ObjectStore, repo: RepositoryRecord, items: AsyncIterable<TransferItem>, count: number,
): AsyncGenerator<TransferItem> {
  if (count > LOOKUP_LIMIT) {
    const present = await presentBlobs(store, repo);
    for await (const item of items) if (present.plain.get(item.sha256) !== item.size && !present.compressed.has(item.sha256)) yield item;
    return;
  }
  let chunk: TransferItem[] = [];
  // Asked through blobStore: a blob present compressed answers with its uncompressed size.
  const check = async function* () {
    const found = await Promise.all(chunk.map((item) => store.head(item.to)));
    for (const [i, item] of chunk.entries()) if (found[i]?.size !== item.size) yield item;
    chunk = [];
  };
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= LOOKUPS_AT_ONCE) yield* check();
  }
  yield* check();
}
