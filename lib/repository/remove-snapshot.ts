import { unseal } from '../domain/envelope.ts';
import { AnalysisError, NotFoundError, StorageError, errorMessage } from '../domain/errors.ts';
import type { RepositoryRecord } from '../domain/control-types.ts';
import { layout } from '../domain/repository-layout.ts';
import type { SnapshotInfo } from '../domain/snapshot-types.ts';
import { getText, listAll, sha256Hex } from '../ports/object-io.ts';
import { type RepositoryContext, openRepository } from './repository-context.ts';
import { collectGarbage } from './snapshot-gc.ts';

/**
 * Removes a snapshot (DROP SNAPSHOT, expiry): refused while a job uses the snapshot, and, without `force`,
 * for a snapshot another cluster made. The `__info` files go first, so the snapshot stops existing at
 * once; then its other files; then every blob no remaining snapshot needs.
 */
export async function removeSnapshot(ctx: RepositoryContext, repo: RepositoryRecord, label: string, force: boolean): Promise<number> {
  const store = await openRepository(ctx, repo);
  const files = await listAll(store, layout.snapshotDir(repo.name, label));
  if (!files.length) throw new NotFoundError(`Snapshot does not exist in repository ${repo.name}: ${label}`);
  await refuseIfInUse(ctx, repo.name, label);
  const infos = files.filter((f) => f.split('/').pop()!.startsWith('__info_'));
  if (!force) {
    for (const key of infos.length ? infos : [undefined]) {
      const owner = key ? await ownerOf(store, key) : undefined;
      if (owner === ctx.clusterId) continue;
      throw new AnalysisError(owner
        ? `Snapshot ${label} in repository ${repo.name} was created by cluster ${owner}, and this cluster is ${ctx.clusterId}. Use DROP SNAPSHOT ... FORCE to drop it anyway`
        : `Snapshot ${label} in repository ${repo.name} does not record which cluster created it, and this cluster is ${ctx.clusterId}. Use DROP SNAPSHOT ... FORCE to drop it anyway`);
    }
  }
  try {
    for (const key of [...infos, ...files.filter((f) => !infos.includes(f))]) await store.delete(key);
    return await collectGarbage(store, repo, ctx.clock);
  } catch (e) {
    throw new AnalysisError(`Failed to delete snapshot ${label} in repository ${repo.name}: ${errorMessage(e)}`);
  }
}

async function ownerOf(store: Awaited<ReturnType<typeof openRepository>>, key: string): Promise<string | undefined> {
  try {
    return unseal<SnapshotInfo>(await getText(store, key), key, sha256Hex).cluster_id;
  } catch (e) {
    // An info file that is gone or does not parse records no owner, and only FORCE drops the snapshot. A
    // store that failed (access denied, throttling) says nothing about the owner: that error is the answer.
    if (e instanceof StorageError) throw e;
    return undefined;
  }
}

async function refuseIfInUse(ctx: RepositoryContext, repo: string, label: string): Promise<void> {
  const job = (await ctx.control.unfinishedJobs()).find((j) => j.repo === repo && j.label === label);
  if (job) throw new AnalysisError(`Can not drop snapshot ${label}: a ${job.type === 'BACKUP' ? 'backup is writing' : 'restore is reading'} it`);
}
