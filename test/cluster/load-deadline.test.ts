import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../../bin/run-script.ts';
import type { Deadline } from '../../lib/cluster/deadline.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * A request's deadline (the HTTP API in Lambda) stops a load before its next write; the load then removes
 * what it wrote, so the table shows no new row and the data store keeps no new file. The clock is fixed
 * and the deadline is moved by hand, so nothing here depends on how fast the machine is.
 */
const temp = useTempDirs('load-deadline');
let c: TestCluster;
let dir: string;
const NOW = Date.UTC(2026, 0, 1);
const WHY = "the HTTP API answers within API Gateway's 30 s limit";
const ROLLED_BACK = 'Nothing was loaded: the rows it had written were removed';

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, dt DATE)
    PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN ("2024-03-01"))
    DISTRIBUTED BY HASH (k) BUCKETS 3;
    INSERT INTO d.t VALUES (1, '2024-01-01'), (2, '2024-02-02')`);
  writeFileSync(join(dir, 'rows.csv'), Array.from({ length: 30 }, (_, i) => `${i + 10},2024-0${(i % 2) + 1}-05`).join('\n'));
});
afterAll(async () => c?.close());

/** The context of one request whose deadline is already 25 s behind it, or passes when `expireOn` says so. */
function request(expireOn?: (key: string) => boolean): { ctx: ServiceContext; deadline: Deadline } {
  const deadline: Deadline = { start: NOW - 25_000, at: expireOn ? Infinity : NOW - 1, why: WHY };
  const data: ObjectStore = Object.create(c.ctx.data);
  data.put = async (key, body, options) => {
    const out = await c.ctx.data.put(key, body, options);
    if (expireOn?.(key)) deadline.at = NOW;
    return out;
  };
  return { ctx: { ...c.ctx, data, clock: { now: () => NOW }, deadline }, deadline };
}

async function failure(ctx: ServiceContext, sql: string) {
  const outcome = (await runScript(ctx, sql)).find((o) => o.error);
  return outcome?.error;
}

async function unchanged(run: () => Promise<void>): Promise<void> {
  const files = await listAll(c.ctx.data, '');
  const rows = await c.rows('SELECT * FROM d.t');
  await run();
  expect(await c.rows('SELECT * FROM d.t')).toEqual(rows);
  expect(await listAll(c.ctx.data, '')).toEqual(files);
}

describe('a load stopped by its request deadline', () => {
  it('INSERT … FROM FILES() with a deadline already passed fails with the message and writes nothing', async () => {
    await unchanged(async () => {
      const { ctx } = request();
      expect(await failure(ctx, `INSERT INTO d.t SELECT * FROM FILES("path" = "file://${dir}/rows.csv", "format" = "csv", "csv.column_separator" = ",")`)).toEqual({
        code: ErrorName.DeadlineExceeded, errno: 5024, sqlstate: '53400',
        message: `INSERT … FROM FILES() stopped after 25 s: ${WHY}. ${ROLLED_BACK}; load the file in parts, several smaller files with one INSERT per request.`,
      });
    });
  });

  it('removes the segments it wrote when the deadline passes half-way', async () => {
    await unchanged(async () => {
      let segments = 0;
      const { ctx } = request((key) => key.endsWith('.seg') && ++segments === 1);
      expect(await failure(ctx, "INSERT INTO d.t VALUES (3, '2024-01-03'), (4, '2024-01-04'), (5, '2024-02-05'), (6, '2024-02-06')")).toEqual({
        code: ErrorName.DeadlineExceeded, errno: 5024, sqlstate: '53400',
        message: `INSERT stopped after 25 s: ${WHY}. ${ROLLED_BACK}; insert the rows in parts, fewer rows per INSERT and one INSERT per request.`,
      });
      expect(segments).toBe(1);
    });
  });

  it('removes its segments and manifests when the deadline passes right before the catalog commit', async () => {
    await unchanged(async () => {
      let manifests = 0;
      const { ctx } = request((key) => key.startsWith('meta/') && ++manifests === 2);
      const error = await failure(ctx, `INSERT INTO d.t SELECT * FROM FILES("path" = "file://${dir}/rows.csv", "format" = "csv", "csv.column_separator" = ",")`);
      expect(error?.code).toBe(ErrorName.DeadlineExceeded);
      expect(manifests).toBe(2);
    });
  });

  it('loads as usual while the deadline is ahead', async () => {
    const { ctx } = request(() => false);
    expect(await failure(ctx, "INSERT INTO d.t VALUES (7, '2024-01-07')")).toBeUndefined();
    expect(await c.count('d.t')).toBe(3);
  });

  it('stops a SELECT that reads segments, which had nothing to undo', async () => {
    const { ctx } = request();
    expect(await failure(ctx, 'SELECT * FROM d.t')).toEqual({
      code: ErrorName.DeadlineExceeded, errno: 5024, sqlstate: '53400',
      message: `SELECT stopped after 25 s: ${WHY}. It returned no rows; read less at once: name partitions (PARTITION (p1, …)) or add a LIMIT.`,
    });
    // COUNT(*) without WHERE reads the catalog only.
    expect(await failure(ctx, 'SELECT COUNT(*) FROM d.t')).toBeUndefined();
  });

  it('stops CREATE MATERIALIZED VIEW (synchronous) half-way through its rebuild and removes what it wrote', async () => {
    await unchanged(async () => {
      let segments = 0;
      const { ctx } = request((key) => key.endsWith('.seg') && ++segments === 1);
      expect(await failure(ctx, 'CREATE MATERIALIZED VIEW d.t_by_k AS SELECT k FROM d.t')).toEqual({
        code: ErrorName.DeadlineExceeded, errno: 5024, sqlstate: '53400',
        message: `CREATE MATERIALIZED VIEW stopped after 25 s: ${WHY}. Nothing was added: the index segments it had written were removed; ` +
          'the table holds more rows than one request can rebuild; create the view while the table is small, and later loads fill it.',
      });
      expect(segments).toBe(1);
    });
    expect((await c.ctx.catalog.requireTable('d', 't')).doc.def.indexes).toBeUndefined();
  });
});
