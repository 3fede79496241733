import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript } from '../../bin/run-script.ts';
import { CatalogStore } from '../../lib/cluster/catalog-store.ts';
import { ErrorName } from '../../lib/domain/errors.ts';
import type { ServiceContext } from '../../lib/jobs/service-context.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../lib/ports/object-store.ts';
import { DEFAULT_UPDATE_POLICY, type RecordChange, type RecordKey, type RecordTable, type StoredRecord, type UpdateOptions } from '../../lib/ports/record-table.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { openTestCluster, type TestCluster } from '../support/test-cluster.ts';

/**
 * Table changes (loads, synchronous MVs, DDL) publish with RecordTable.update: a lost race is tried again on
 * a fresh read, bounded by the one policy, and the files a lost attempt wrote are removed.
 */
const temp = useTempDirs('catalog-races');
let c: TestCluster;

beforeAll(async () => {
  c = await openTestCluster(await temp.make());
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT, v VARCHAR(8)) DISTRIBUTED BY HASH (k) BUCKETS 1;
    INSERT INTO d.t VALUES (1, 'a')`);
});
afterAll(async () => c?.close());

/**
 * The catalog table, with another writer rewriting a record right after `update` reads it: on every read
 * (`times` undefined) or on the first `times` reads of each update.
 */
function raced(table: RecordTable, times?: number): RecordTable {
  const wrapper = Object.create(table) as RecordTable;
  let left = 0;
  wrapper.update = <T,>(key: RecordKey, change: RecordChange<T>, options?: UpdateOptions<T>) => {
    left = times ?? Infinity;
    return table.update.call<RecordTable, [RecordKey, RecordChange<T>, UpdateOptions<T> | undefined], Promise<StoredRecord<T> | undefined>>(wrapper, key, change, options);
  };
  wrapper.get = async <T,>(key: RecordKey): Promise<StoredRecord<T> | undefined> => {
    const cur = await table.get<T>(key);
    if (cur && left-- > 0) await table.put(key, cur.doc);
    return cur;
  };
  return wrapper;
}

const under = (table: RecordTable): ServiceContext => ({ ...c.ctx, catalog: new CatalogStore(table) });
const files = () => listAll(c.ctx.data, '');
const GAVE_UP = `after ${DEFAULT_UPDATE_POLICY.attempts} attempts: another writer changed it every time`;

async function errorOf(ctx: ServiceContext, sql: string) {
  return (await runScript(ctx, sql)).find((o) => o.error)?.error;
}

describe('table changes under concurrent writers', () => {
  it('concurrent loads all land, each in its own version, and no lost attempt leaves a manifest', async () => {
    const before = await files();
    await Promise.all([2, 3, 4, 5, 6].map((k) => runScript(c.ctx, `INSERT INTO d.t VALUES (${k}, 'x')`).then((o) => expect(o[0]!.error).toBeUndefined())));
    expect(await c.count('d.t')).toBe(6);
    const added = (await files()).filter((f) => !before.includes(f));
    // One segment and one manifest per load, whatever races they lost.
    expect(added.filter((f) => f.startsWith('meta/'))).toHaveLength(5);
    expect(added).toHaveLength(10);
  });

  it('a load that lost one race is published on a fresh read; its first manifest is removed', async () => {
    const before = await files();
    const rows = await c.count('d.t');
    const data: ObjectStore = Object.create(c.ctx.data);
    const manifestsWritten: string[] = [];
    data.put = (key, body, options) => {
      if (key.startsWith('meta/')) manifestsWritten.push(key);
      return c.ctx.data.put(key, body, options);
    };
    expect(await errorOf({ ...under(raced(c.ctx.catalog.table, 1)), data }, "INSERT INTO d.t VALUES (7, 'y')")).toBeUndefined();
    expect(manifestsWritten).toHaveLength(2);
    expect(await c.count('d.t')).toBe(rows + 1);
    expect((await files()).filter((f) => !before.includes(f))).toHaveLength(2);
  });

  it('a load that loses every race stops after the policy, with nothing loaded and no file left', async () => {
    const before = await files();
    const rows = await c.rows('SELECT * FROM d.t').then((r) => r.sort());
    const error = await errorOf(under(raced(c.ctx.catalog.table)), "INSERT INTO d.t VALUES (8, 'z')");
    expect(error?.code).toBe(ErrorName.ConditionFailed);
    expect(error?.message).toContain('sk="T#t"');
    expect(error?.message).toContain(GAVE_UP);
    expect(await c.rows('SELECT * FROM d.t').then((r) => r.sort())).toEqual(rows);
    expect(await files()).toEqual(before);
  });

  it('CREATE and DROP of a synchronous MV are bounded too; a given-up CREATE leaves no file', async () => {
    const before = await files();
    const create = await errorOf(under(raced(c.ctx.catalog.table)), 'CREATE MATERIALIZED VIEW d.by_v AS SELECT v FROM d.t');
    expect(create?.code).toBe(ErrorName.ConditionFailed);
    expect(create?.message).toContain(GAVE_UP);
    expect(await files()).toEqual(before);
    expect((await c.ctx.catalog.requireTable('d', 't')).doc.def.indexes).toBeUndefined();
    await c.sql('CREATE MATERIALIZED VIEW d.by_v AS SELECT v FROM d.t');
    // Dropping was an unbounded loop before the one policy.
    const drop = await errorOf(under(raced(c.ctx.catalog.table)), 'DROP MATERIALIZED VIEW d.by_v');
    expect(drop?.code).toBe(ErrorName.ConditionFailed);
    expect((await c.ctx.catalog.requireTable('d', 't')).doc.def.indexes?.map((i) => i.name)).toEqual(['by_v']);
    await c.sql('DROP MATERIALIZED VIEW d.by_v');
    expect((await c.ctx.catalog.requireTable('d', 't')).doc.def.indexes).toBeUndefined();
  });
});
