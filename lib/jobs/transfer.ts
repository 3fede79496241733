import type { ObjectStore } from '../ports/object-store.ts';
import type { TransferItem } from './staging.ts';

/**
 * Copies in flight per call: 4, and 8 between two local stores (file://), where a copy holds one buffer
 * and most of its time is the latency of its fsyncs. More copies to or from a network store would hold
 * more stream and socket buffers: at 8 a backup to s3rver peaked above 150 MB.
 */
export const COPIES = 4;
export const LOCAL_COPIES = 8;

/** Which item an error escaping transferItems was about, so callers can name the file in their own terms. */
const failures = new WeakMap<object, TransferItem>();

export function failedItem(err: unknown): TransferItem | undefined {
  return typeof err === 'object' && err !== null ? failures.get(err) : undefined;
}

export interface TransferHooks {
  beforeEach: () => Promise<void>;
  progress?: (files: number, bytes: number) => Promise<void>;
  /**
   * Asked before each item is taken, with how many were taken so far: false takes no more, and the call
   * returns once the items in flight have landed (a batch's time budget).
   */
  takeMore?: (taken: number) => boolean;
}

/**
 * Copies items from one store to another, streaming, each verified against its sha256 by the target's put.
 * An item already present with the right size is skipped, which makes a re-run batch cheap and idempotent
 * (targets are content-addressed or written once under a job-specific name). Items are taken in order, so
 * on success the first `taken` (the result) are done, the rest untouched. Every item written is durable
 * when the call returns or throws: the puts defer that (`syncLater`), and one `sync` of the target ends it.
 */
export async function transferItems(
  src: ObjectStore, dst: ObjectStore, items: Iterable<TransferItem> | AsyncIterable<TransferItem>,
  hooks: TransferHooks, concurrency = src.local && dst.local ? LOCAL_COPIES : COPIES,
): Promise<number> {
  // The workers share one iterator, so a stream of items (a filter over a staged list) needs no array.
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failed = false;
  let taken = 0;
  const worker = async () => {
    while (!failed && (hooks.takeMore?.(taken) ?? true)) {
      // Counted before the await, so the other workers' takeMore sees it.
      taken++;
      const r = await source.next();
      if (r.done) {
        taken--;
        return;
      }
      const item = r.value;
      await hooks.beforeEach();
      const have = await dst.head(item.to);
      if (!have || have.size !== item.size) {
        try {
          // Replayable: an upload that fails half-way on a retryable error is sent again from a new read of
          // the source, and checked against the sha256 again. The target's put opens it and closes every
          // stream it opened, also the one of an attempt that failed half-way.
          await dst.put(item.to, { open: () => src.get(item.from) }, { sha256: item.sha256, size: item.size, syncLater: true });
        } catch (e) {
          if (typeof e === 'object' && e !== null) failures.set(e, item);
          throw e;
        }
      }
      await hooks.progress?.(1, item.size);
    }
  };
  // On a failure the other workers take no new item, and the first error is thrown only once the items
  // they were writing have landed: a caller's clean-up then sees every file this call wrote.
  const settled = await Promise.allSettled(Array.from({ length: concurrency }, async () => {
    try {
      await worker();
    } catch (e) {
      failed = true;
      throw e;
    }
  }));
  // What landed is made durable before the caller records it, also on a failure: a re-run skips what it finds.
  const synced = dst.sync?.();
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) {
    await synced?.catch(() => undefined);
    throw rejected.reason;
  }
  await synced;
  return taken;
}
