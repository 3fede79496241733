import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { layout } from '../../../lib/domain/repository-layout.ts';
import { listAll } from '../../../lib/ports/object-io.ts';
import { LOOKUP_LIMIT } from '../../../lib/jobs/backup/missing-blobs.ts';
import { createSampleDatabase, sortedRows } from '../../support/sample-database.ts';
import { openTestCluster, snapshotTimestamp } from '../../support/test-cluster.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('save-meta');

/**
 * A DROP SNAPSHOT's garbage collection can decide a blob is unused just before a backup's `__meta` names
 * it, and delete it after UPLOAD_SNAPSHOT found it present. SAVE_META checks again and uploads it back,
 * whether it looks blobs up one by one (few) or lists the repository (many).
 */
describe.each([
  ['a few segments (lookups)', 0],
  ['more segments than LOOKUP_LIMIT (one listing)', Math.ceil(LOOKUP_LIMIT / 4) + 5],
])('SAVE_META with %s', (_name, loads) => {
  it('uploads again a blob removed after planning, and the snapshot restores whole', async () => {
    const dir = await temp.make();
    const repoDir = join(dir, 'repo');
    const repoStore = new FileObjectStore(repoDir);
    let removed: string | undefined;
    const c = await openTestCluster(dir, {
      wrapHandlers: (_w, state, handler) => state !== 'SAVE_META' ? handler : async (input) => {
        // The collection that raced the second backup: one of the blobs it planned to reuse is gone.
        if (removed === undefined) {
          const blobs = await listAll(repoStore, layout.blobsPrefix('r'));
          if (blobs.length) await repoStore.delete((removed = blobs[0]!));
        }
        return handler(input);
      },
    });
    try {
      await createSampleDatabase(c);
      for (let i = 0; i < loads; i++) {
        await c.sql(`INSERT INTO sr_hub.sr_member VALUES (${100 + i}, 'a', '2024-01-05'), (${200 + i}, 'b', '2024-01-06'), (${300 + i}, 'c', '2024-02-05'), (${400 + i}, 'd', '2024-02-06')`);
      }
      mkdirSync(repoDir, { recursive: true }); // a file:// repository's folder must exist
      await c.sql(`CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}"; BACKUP DATABASE sr_hub SNAPSHOT s1 TO r`);
      removed = undefined;
      const before = (await listAll(repoStore, layout.blobsPrefix('r'))).length;
      expect(before).toBeGreaterThan(loads * 2);
      await c.sql('BACKUP DATABASE sr_hub SNAPSHOT s2 TO r');
      expect(removed).toBeDefined();
      expect(await listAll(repoStore, layout.blobsPrefix('r'))).toContain(removed);
      expect(await c.rows(`ADMIN VERIFY SNAPSHOT s2 ON r`)).not.toContainEqual(expect.arrayContaining(['BAD_FILE']));
      const ts = await snapshotTimestamp(c, 'r', 's2');
      await c.sql(`RESTORE SNAPSHOT s2 FROM r DATABASE sr_hub AS copy PROPERTIES ("backup_timestamp" = "${ts}")`);
      expect(await sortedRows(c, 'copy.sr_member')).toEqual(await sortedRows(c, 'sr_hub.sr_member'));
    } finally {
      await c.close();
    }
  }, 60_000);
});
