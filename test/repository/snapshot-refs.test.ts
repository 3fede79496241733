import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupJob } from '../../lib/domain/control-types.ts';
import { IntegrityError } from '../../lib/domain/errors.ts';
import { seal, unseal } from '../../lib/domain/envelope.ts';
import { blobSha, layout } from '../../lib/domain/repository-layout.ts';
import { decodeRefs, encodeRefs, metaBlobHashes, refsFileSize, refsHashes, refsInclude } from '../../lib/domain/snapshot-refs.ts';
import type { SnapshotInfo, SnapshotMeta } from '../../lib/domain/snapshot-types.ts';
import { backupPending } from '../../lib/jobs/backup/pending.ts';
import { saveMeta } from '../../lib/jobs/backup/save-meta.ts';
import { backupSnapshoting } from '../../lib/jobs/backup/snapshoting.ts';
import { submitBackup } from '../../lib/jobs/backup/submit-backup.ts';
import { uploadBatch } from '../../lib/jobs/backup/upload-batch.ts';
import { uploadSnapshot } from '../../lib/jobs/backup/upload-snapshot.ts';
import { cancelJob } from '../../lib/jobs/cancel-job.ts';
import { getText, listAll, readBytes, sha256Hex } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { parseStatement } from '../../lib/sql/parse.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * `__refs_<ts>`: the sorted blob hashes of a snapshot's `__meta`, which garbage collection reads instead of
 * the `__meta` when the snapshot's `__info` vouches for that `__meta`; anything doubtful falls back to the
 * `__meta` itself, so a bad index can cost time but never a blob.
 */
const hex = (n: number) => sha256Hex(`blob ${n}`);
const META = sha256Hex('a meta');

describe('the refs format', () => {
  it('sorts, drops repeats, and finds every hash it holds and none it does not', () => {
    const hashes = [5, 1, 3, 1, 4].map(hex);
    const refs = decodeRefs(encodeRefs(hashes, META, sha256Hex), 'r', sha256Hex);
    expect(refs.metaSha256).toBe(META);
    expect(refs.count).toBe(4);
    expect([...refsHashes(refs)]).toEqual([...new Set(hashes)].sort());
    for (const n of [1, 3, 4, 5]) expect(refsInclude(refs, Buffer.from(hex(n), 'hex'))).toBe(true);
    for (const n of [0, 2, 6, 7]) expect(refsInclude(refs, Buffer.from(hex(n), 'hex'))).toBe(false);
    expect(encodeRefs([], META, sha256Hex).length).toBe(refsFileSize(0));
  });

  it('rejects what is not its own, naming the file and the fault', () => {
    const good = encodeRefs([1, 2, 3].map(hex), META, sha256Hex);
    const fails = (bytes: Buffer) => {
      try {
        decodeRefs(bytes, 'repo/__ss_x/__refs_t', sha256Hex);
      } catch (e) {
        expect(e).toBeInstanceOf(IntegrityError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(fails(Buffer.from('{"body":{}}'))).toBe('repo/__ss_x/__refs_t is corrupt: not a blob reference index');
    expect(fails(good.subarray(0, good.length - 1))).toBe(`repo/__ss_x/__refs_t is corrupt: ${good.length - 1} bytes for 3 hashes`);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    expect(fails(flipped)).toMatch(/^repo\/__ss_x\/__refs_t is corrupt: checksum mismatch: expected [0-9a-f]{64}, actual [0-9a-f]{64}$/);
    // Out of order with a checksum that matches: only a writer that is not ours makes it.
    const sorted = [1, 2, 3].map(hex).sort();
    const swapped = encodeRefs(sorted, META, sha256Hex);
    swapped.write(sorted[1]!, refsFileSize(0), 'hex');
    swapped.write(sorted[0]!, refsFileSize(0) + 32, 'hex');
    swapped.write(sha256Hex(swapped.subarray(refsFileSize(0))), 8 + 32, 'hex');
    expect(fails(swapped)).toBe('repo/__ss_x/__refs_t is corrupt: hash 1 is out of order');
  });
});

const temp = useTempDirs('snapshot-refs');
let c: TestCluster;
let repo: ObjectStore;
const blobShas = async () => new Set((await listAll(repo, layout.blobsPrefix('r'))).map((k) => blobSha(k)!));
const snapshotFiles = async (label: string) => (await listAll(repo, layout.snapshotDir('r', label))).map((k) => k.split('/').pop()!.replace(/_\d.*$/, ''));

/** Counts the `get`s of every store the statements open from now on, by key. */
function countGets(): Map<string, number> {
  const gets = new Map<string, number>();
  const open = c.ctx.openLocation;
  c.ctx.openLocation = (...args) => {
    const store = open(...args);
    return { ...store, description: store.description, put: store.put.bind(store), head: store.head.bind(store), list: store.list.bind(store),
      delete: store.delete.bind(store), get: (k, r) => ((gets.set(k, (gets.get(k) ?? 0) + 1)), store.get(k, r)) };
  };
  return gets;
}

async function snapshotKeys(label: string) {
  const files = await listAll(repo, layout.snapshotDir('r', label));
  const meta = files.find((k) => k.includes('/__meta_'))!;
  return { meta, info: meta.replace('/__meta_', '/__info_'), refs: meta.replace('/__meta_', '/__refs_') };
}

/** Some blobs nothing names, then a drop of `label`: which of them are left. */
async function dropWithGarbage(label: string, tag: string): Promise<{ survivors: string[]; needed: Set<string> }> {
  const garbage: string[] = [];
  for (let i = 0; i < 20; i++) {
    const body = `${tag} ${i}`;
    garbage.push(sha256Hex(body));
    await repo.put(layout.blob('r', sha256Hex(body)), body);
  }
  const needed = new Set([...await blobShas()].filter((s) => !garbage.includes(s)));
  await c.sql(`DROP SNAPSHOT ${label} ON r`);
  const left = await blobShas();
  return { survivors: garbage.filter((s) => left.has(s)), needed: new Set([...needed].filter((s) => !left.has(s))) };
}

beforeAll(async () => {
  const dir = await temp.make();
  mkdirSync(join(dir, 'repo'), { recursive: true });
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
    BACKUP DATABASE d SNAPSHOT a TO r; INSERT INTO d.t VALUES (3); BACKUP DATABASE d SNAPSHOT b TO r;
    INSERT INTO d.t VALUES (4); BACKUP DATABASE d SNAPSHOT z TO r;
    BACKUP DATABASE d SNAPSHOT x1 TO r; BACKUP DATABASE d SNAPSHOT x2 TO r; BACKUP DATABASE d SNAPSHOT x3 TO r`);
  repo = await openRepository(c.ctx, (await c.ctx.control.requireRepository('r'))!);
}, 120_000);
afterAll(async () => { await c?.close(); });

describe('__refs beside each snapshot', () => {
  it('a backup writes the blobs its __meta names, vouched for by the sha256 __info records', async () => {
    const { meta, info, refs } = await snapshotKeys('z');
    expect(await snapshotFiles('z')).toEqual(['__info', '__meta', '__refs']);
    const parsed = decodeRefs(await readBytes(await repo.get(refs)), refs, sha256Hex);
    const infoBody = unseal<SnapshotInfo>(await getText(repo, info), info, sha256Hex);
    expect(parsed.metaSha256).toBe(infoBody.meta.sha256);
    expect(parsed.metaSha256).toBe(sha256Hex(await getText(repo, meta)));
    expect(parsed.count).toBe(infoBody.totals.blobs);
    expect(parsed.count).toBeGreaterThan(0);
    const named = new Set(metaBlobHashes(unseal<SnapshotMeta>(await getText(repo, meta), meta, sha256Hex)));
    expect(new Set(refsHashes(parsed))).toEqual(named);
  });

  it('a doubtful index sends the collection back to __meta, and no blob a snapshot names goes', async () => {
    const z = await snapshotKeys('z');
    const x1 = await snapshotKeys('x1');
    const x2 = await snapshotKeys('x2');
    const x3 = await snapshotKeys('x3');
    // z: refs that name nothing, with a good checksum but made from another __meta: not trusted.
    await repo.put(z.refs, encodeRefs([], sha256Hex('another meta'), sha256Hex));
    // x1: refs gone. x2: refs corrupt. x3: refs fine, but __info vouches for a __meta of another size.
    await repo.delete(x1.refs);
    await repo.put(x2.refs, Buffer.from('not refs'));
    const info = unseal<SnapshotInfo>(await getText(repo, x3.info), x3.info, sha256Hex);
    await repo.put(x3.info, seal({ ...info, meta: { ...info.meta, size: info.meta.size + 1 } }, sha256Hex));
    const gets = countGets();
    const { survivors, needed } = await dropWithGarbage('a', 'doubtful');
    expect(survivors).toEqual([]);
    expect([...needed]).toEqual([]);
    // Each doubtful snapshot's __meta was read; b's good refs spared its __meta.
    for (const k of [z, x1, x2, x3]) expect(gets.get(k.meta)).toBe(1);
    const b = await snapshotKeys('b');
    expect(gets.get(b.refs)).toBe(1);
    expect(gets.get(b.meta)).toBeUndefined();
    await repo.put(x3.info, seal(info, sha256Hex));
  }, 120_000);

  it('a cancelled backup leaves no __refs behind (UPLOAD_INFO wrote them, then the run died before __info)', async () => {
    await c.sql('INSERT INTO d.t VALUES (9)');
    const job = await submitBackup(c.ctx, parseStatement('BACKUP DATABASE d SNAPSHOT gone TO r') as never);
    await backupPending(c.ctx, { jobId: job.jobId });
    await backupSnapshoting(c.ctx, { jobId: job.jobId });
    const plan = await uploadSnapshot(c.ctx, { jobId: job.jobId });
    for (const batch of plan.batches) await uploadBatch(c.ctx, { jobId: job.jobId, batch });
    await saveMeta(c.ctx, { jobId: job.jobId });
    const record = (await c.ctx.control.requireJob(job.jobId)).doc;
    await repo.put(layout.refs('r', 'gone', record.timestamp), encodeRefs([], (record as BackupJob).backup.meta!.sha256, sha256Hex));
    expect(await snapshotFiles('gone')).toEqual(['__meta', '__refs']);
    await cancelJob(c.ctx, { jobId: job.jobId });
    expect(await snapshotFiles('gone')).toEqual([]);
  }, 120_000);
});
