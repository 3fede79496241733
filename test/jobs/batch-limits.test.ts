import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lib/adapters/storage/memory/memory-object-store.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import { MAX_STATE_PAYLOAD_BYTES } from '../../lib/domain/workflow.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { BATCH_CAP, DEFAULT_BATCH } from '../../lib/jobs/service-context.ts';
import { type TransferItem, maxBatchRefs, readBatch, writeBatches } from '../../lib/jobs/staging.ts';

const GiB = 1024 ** 3;
const TiB = 1024 * GiB;
const JOB = '0mf3k2a1b9c8d7e6f5a4b3';

/** Items that only exist as a list: planning never reads the data it plans to move. */
function* fakeItems(count: number, size: number): Generator<TransferItem> {
  for (let i = 0; i < count; i++) yield { from: `data/t/p/0/${i}.seg`, to: `__blobs/${i}`, sha256: String(i).padStart(64, '0'), size };
}

const payloadBytes = (batches: number[]) => Buffer.byteLength(JSON.stringify({ jobId: JOB, batches }));

describe('batches of a huge job', () => {
  it('stay under the cap in bytes however large the database, and their references fit a state payload', async () => {
    const store = new MemoryObjectStore();
    // 10 TiB in 20,480 segments of 512 MiB: 200 batches would be 51 GiB each.
    const refs = await writeBatches(store, JOB, fakeItems(20_480, 512 * 1024 ** 2), { files: 20_480, bytes: 10 * TiB }, DEFAULT_BATCH);
    expect(refs).toHaveLength(5_120);
    const sizes = await Promise.all(refs.map(async (r) => (await readBatch(store, JOB, r)).reduce((n, i) => n + i.size, 0)));
    expect(Math.max(...sizes)).toBe(BATCH_CAP.bytes);
    expect(payloadBytes(refs)).toBeLessThan(MAX_STATE_PAYLOAD_BYTES);
  });

  it('stay under the cap in files however many files there are', async () => {
    const store = new MemoryObjectStore();
    const refs = await writeBatches(store, JOB, fakeItems(100_000, 1), { files: 10_000_000, bytes: 10_000_000 }, DEFAULT_BATCH);
    const counts = await Promise.all(refs.map(async (r) => (await readBatch(store, JOB, r)).length));
    expect(Math.max(...counts)).toBe(BATCH_CAP.files);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
  });

  it('fail the plan with the job, its size and the limit when even the payload cannot name them all', async () => {
    const store = new MemoryObjectStore();
    const most = maxBatchRefs(JOB);
    // The most references, counted as the plan returns them, still fit with the headroom left.
    expect(payloadBytes(Array.from({ length: most }, (_, i) => i))).toBeLessThanOrEqual(MAX_STATE_PAYLOAD_BYTES - 16 * 1024);
    expect(payloadBytes(Array.from({ length: most + 1 }, (_, i) => i))).toBeGreaterThan(MAX_STATE_PAYLOAD_BYTES - 16 * 1024 - 8);
    // Segments of 2 GiB, one per batch: one more than fits.
    const err = await writeBatches(store, JOB, fakeItems(most + 1, 2 * GiB), { files: most + 1, bytes: (most + 1) * 2 * GiB }, DEFAULT_BATCH)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: ErrorName.PlanTooLarge });
    expect((err as Error).message).toBe(
      `Job ${JOB} has up to ${((most + 1) * 2 / 1024).toFixed(1)} TiB in ${most + 1} files to move: more than ${most} batches of at most 2.0 GiB or 4096 files, ` +
      'as many as fit in a Step Functions state (256 KiB); back up or restore the database in parts, a few tables (ON (TABLE …)) or partitions at a time',
    );
    // It stopped at the limit: the batches written so far are staging, which the cancel path clears.
    expect(await listAll(store, `staging/${JOB}/`)).toHaveLength(most);
  });

  it('refuses a reference that is not a batch number', async () => {
    await expect(readBatch(new MemoryObjectStore(), JOB, '../x' as never)).rejects.toThrow('Invalid batch reference: "../x"');
    await expect(readBatch(new MemoryObjectStore(), JOB, -1)).rejects.toThrow('Invalid batch reference: -1');
  });
});
