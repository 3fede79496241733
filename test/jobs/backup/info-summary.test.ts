import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SnapshotInfo, SnapshotMeta } from '../../../lib/domain/snapshot-types.ts';
import { backupStaging } from '../../../lib/jobs/backup/backup-staging.ts';
import { staging } from '../../../lib/jobs/staging.ts';
import { getJson } from '../../../lib/ports/object-io.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../../support/test-cluster.ts';

const temp = useTempDirs('info-summary');

/** What `__info` says of the objects, computed from `__meta` as UPLOAD_INFO computed it before it was staged. */
function summaryFromMeta(meta: SnapshotMeta) {
  const objects: SnapshotInfo['backup_objects'] = {};
  const materializedViews: string[] = [];
  for (const t of meta.tables) {
    if (t.def.type === 'MATERIALIZED_VIEW') materializedViews.push(t.def.name);
    const partitions: SnapshotInfo['backup_objects'][string]['partitions'] = {};
    for (const p of t.partitions) {
      const segs = p.tablets.flatMap((x) => x.segments);
      partitions[p.name] = { version: p.version, rows: segs.reduce((n, s) => n + s.rows, 0), bytes: segs.reduce((n, s) => n + s.size, 0), files: segs.length };
    }
    objects[t.def.name] = { partitions };
  }
  return {
    backup_objects: objects, materialized_views: materializedViews, views: meta.views!.map((v) => v.name),
    functions: [...new Set(meta.functions!.map((f) => f.name))], catalogs: meta.catalogs!.map((c) => c.name),
  };
}

const summaryOf = (info: SnapshotInfo) => ({
  backup_objects: info.backup_objects, materialized_views: info.materialized_views, views: info.views, functions: info.functions, catalogs: info.catalogs,
});

/**
 * SNAPSHOTING stages what `__info` says of each object, so UPLOAD_INFO reads one small document: it needs
 * neither the catalog nor the staged metadata. A job staged by an earlier release (no such document) still
 * gets its summary, from the staged metadata.
 */
describe('the info summary staged at SNAPSHOTING', () => {
  it('makes the same __info, whether UPLOAD_INFO reads the staged summary or, for an older job, the staged metadata', async () => {
    const dir = await temp.make();
    const repoDir = join(dir, 'repo');
    mkdirSync(repoDir);
    let c: TestCluster | undefined;
    // Before UPLOAD_INFO runs: s1 loses the staged metadata (the summary must suffice), s2 the summary (an older job).
    const removeAtUploadInfo: Record<string, (jobId: string) => string> = { s1: backupStaging.meta, s2: (jobId) => staging.doc(jobId, 'info-summary') };
    const staged: Record<string, unknown> = {};
    c = await openTestCluster(dir, {
      wrapHandlers: (_w, state, handler) => state !== 'UPLOAD_INFO' ? handler : async (input) => {
        const { jobId } = input as { jobId: string };
        const job = (await c!.ctx.control.requireJob(jobId)).doc;
        staged[job.label] = await getJson(c!.ctx.data, staging.doc(jobId, 'info-summary'));
        await c!.ctx.data.delete(removeAtUploadInfo[job.label]!(jobId));
        return handler(input);
      },
    });
    try {
      await c.sql(`CREATE DATABASE d; USE d;
        CREATE TABLE t (k INT NOT NULL, dt DATE NOT NULL, v VARCHAR(8)) DUPLICATE KEY (k)
          PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"), PARTITION p3 VALUES LESS THAN (MAXVALUE))
          DISTRIBUTED BY HASH (k) BUCKETS 3;
        INSERT INTO t VALUES (1, '2024-01-05', 'a'), (2, '2024-02-10', 'b'), (3, '2024-01-20', 'c');
        INSERT INTO t VALUES (4, '2024-01-06', 'd');
        CREATE TABLE \`7\` (k INT) DISTRIBUTED BY HASH (k) BUCKETS 1;
        CREATE MATERIALIZED VIEW t_idx AS SELECT k, v FROM t;
        CREATE MATERIALIZED VIEW mv REFRESH MANUAL AS SELECT k FROM t;
        CREATE VIEW vw AS SELECT v FROM t;
        CREATE FUNCTION f(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
        CREATE FUNCTION f(BIGINT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
        CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}";
        BACKUP DATABASE d SNAPSHOT s1 TO r;
        BACKUP DATABASE d SNAPSHOT s2 TO r`);
      const read = async (label: string) => {
        const ts = await snapshotTimestamp(c!, 'r', label);
        const file = (kind: string) => JSON.parse(readFileSync(join(repoDir, '__starbackup_repository_r', `__ss_${label}`, `__${kind}_${ts}`), 'utf8')).body;
        return { info: file('info') as SnapshotInfo, meta: file('meta') as SnapshotMeta };
      };
      const s1 = await read('s1');
      const s2 = await read('s2');
      const expected = summaryFromMeta(s1.meta);
      expect(Object.keys(expected.backup_objects)).toEqual(['7', 'mv', 't']);
      expect(Object.values(expected.backup_objects.t!.partitions).map((p) => p.rows)).toEqual([3, 1, 0]);
      expect(expected.functions).toEqual(['f']);
      expect(expected.materialized_views).toEqual(['mv']);
      // The same text, key order included, from the staged summary and from the staged metadata.
      expect(JSON.stringify(summaryOf(s1.info))).toBe(JSON.stringify(expected));
      expect(JSON.stringify(summaryOf(s2.info))).toBe(JSON.stringify(summaryFromMeta(s2.meta)));
      expect(JSON.stringify(summaryOf(s2.info))).toBe(JSON.stringify(expected));
      expect(staged.s1).toEqual(expected);
      for (const label of ['s1', 's2']) {
        expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${label} ON r`)).toEqual([[label, expect.any(String), null, null, 'OK']]);
      }
    } finally {
      await c.close();
    }
  }, 60_000);
});
