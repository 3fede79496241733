import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROPERTY_VALUE_BYTES, MAX_SCRIPT_STATEMENTS } from '../../lib/domain/limits.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * Names that could escape a storage path or a DynamoDB key are refused for every kind of object, and
 * oversized input is refused with a clear error before anything runs. (The parser's fuzz test is
 * test/sql/fuzz.test.ts; the HTTP API's body limit is the API's own.)
 */
const temp = useTempDirs('hostile');
let c: TestCluster;
let ts = '';
let cats = '';

const incorrect = (kind: string, shown: string) => `Incorrect ${kind} name '${shown}': it must not contain '/', '\\', '#', '..' or control characters`;

beforeAll(async () => {
  const dir = await temp.make();
  c = await openTestCluster(dir);
  mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
  await c.sql(`CREATE DATABASE d; CREATE TABLE d.t (k INT); INSERT INTO d.t VALUES (1); CREATE VIEW d.v AS SELECT k FROM d.t;
    CREATE FUNCTION d.f(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
    CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive");
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
    BACKUP DATABASE d SNAPSHOT base TO r; BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO r`);
  ts = await snapshotTimestamp(c, 'r', 'base');
  cats = await snapshotTimestamp(c, 'r', 'cats');
});
afterAll(async () => c?.close());

const restore = (on: string) => `RESTORE SNAPSHOT base FROM r DATABASE d ON (${on}) PROPERTIES ("backup_timestamp" = "TS")`;

describe('names', () => {
  it.each([
    ['database', 'CREATE DATABASE `a/b`', incorrect('database', 'a/b')],
    ['table', 'CREATE TABLE d.`..t` (k INT)', incorrect('table', '..t')],
    ['column', 'CREATE TABLE d.t1 (`a/b` INT)', incorrect('column', 'a/b')],
    ['partition', 'CREATE TABLE d.t2 (k INT) PARTITION BY RANGE (k) (PARTITION `p/1` VALUES LESS THAN ("10"))', incorrect('partition', 'p/1')],
    ['repository', 'CREATE REPOSITORY `r/../x` WITH BROKER ON LOCATION "file:///tmp/x"', incorrect('repository', 'r/../x')],
    ['snapshot label of a BACKUP', 'BACKUP DATABASE d SNAPSHOT `s\u0001` TO r', incorrect('snapshot', 's\\x01')],
    ['snapshot label of a RESTORE', 'RESTORE SNAPSHOT `..` FROM r DATABASE d PROPERTIES ("backup_timestamp" = "x")', incorrect('snapshot', '..')],
    ['table alias', restore('TABLE t AS `x/y`'), incorrect('table', 'x/y')],
    ['view alias', restore('VIEW v AS `v\\w`'), incorrect('table', 'v\\w')],
    ['function alias', restore('FUNCTION f AS `f\ng`'), incorrect('function', 'f\\x0ag')],
    ['database alias', `RESTORE SNAPSHOT base FROM r DATABASE d AS \`d/e\` PROPERTIES ("backup_timestamp" = "TS")`, incorrect('database', 'd/e')],
    ['view', 'CREATE VIEW d.`v/w` AS SELECT k FROM d.t', incorrect('view', 'v/w')],
    ['materialized view', 'CREATE MATERIALIZED VIEW d.`m..v` REFRESH MANUAL AS SELECT k FROM d.t', incorrect('materialized view', 'm..v')],
    ['function', 'CREATE FUNCTION d.`f/g`(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar")', incorrect('function', 'f/g')],
    ['catalog', 'CREATE EXTERNAL CATALOG `c\u007f` PROPERTIES ("type" = "hive")', incorrect('catalog', 'c\\x7f')],
    ['catalog alias', 'RESTORE SNAPSHOT cats FROM r EXTERNAL CATALOG (cat AS `c/d`) PROPERTIES ("backup_timestamp" = "CATS")', incorrect('catalog', 'c/d')],
    ['database, too long', `CREATE DATABASE ${'x'.repeat(257)}`, `Database name is longer than 256 characters: '${'x'.repeat(40)}…'`],
  ])('of a %s', async (_kind, sql, message) => {
    expect(await c.error(sql.replace('"TS"', `"${ts}"`).replace('"CATS"', `"${cats}"`))).toBe(message);
  });

  it('leave nothing behind', async () => {
    expect((await c.rows('SHOW DATABASES')).map((r) => r[0])).not.toContain('a/b');
    expect((await c.rows('SHOW TABLES FROM d')).map((r) => r[0]).sort()).toEqual(['t', 'v']);
    expect(await c.ctx.control.databasesWithJobs()).toEqual(expect.not.arrayContaining(['d/e']));
    expect(await c.ctx.control.getLock('d')).toBeUndefined();
  });
});

describe('oversized input', () => {
  it('a statement over 1 MiB is a parse error', async () => {
    const outcomes = await c.run(`SELECT * FROM d.t WHERE k IN (${Array.from({ length: 200_000 }, (_, i) => i).join(', ')})`);
    expect(outcomes.at(-1)!.error).toEqual({ code: 'ParseError', errno: 1064, sqlstate: 'HY000', message: 'Getting syntax error at line 1, column 1. Detail message: Statement is longer than 1048576 bytes.' });
  });

  it('a property value over 64 KiB is refused, wherever properties appear', async () => {
    const big = 'a'.repeat(MAX_PROPERTY_VALUE_BYTES + 1);
    const message = `The value of property 'k' is ${MAX_PROPERTY_VALUE_BYTES + 1} bytes long; a property value may be at most ${MAX_PROPERTY_VALUE_BYTES} bytes`;
    expect(await c.error(`CREATE REPOSITORY r2 WITH BROKER ON LOCATION "file:///tmp/r2" PROPERTIES ("k" = "${big}")`)).toBe(message);
    expect(await c.error(`CREATE EXTERNAL CATALOG c2 PROPERTIES ("type" = "hive", "k" = "${big}")`)).toBe(message);
    expect(await c.error(`INSERT INTO d.t SELECT * FROM FILES("path" = "file:///tmp/x.csv", "format" = "csv", "k" = "${big}")`)).toBe(message);
    expect(await c.error(`BACKUP DATABASE d SNAPSHOT big TO r PROPERTIES ("k" = "${big}")`)).toBe(message);
    expect((await c.rows('SHOW CATALOGS')).map((r) => r[0])).not.toContain('c2');
    // At the cap the value passes this check and meets the statement's own validation.
    expect(await c.error(`BACKUP DATABASE d SNAPSHOT big TO r PROPERTIES ("k" = "${big.slice(1)}")`)).toBe('Unknown backup job properties: [k]');
  });

  it(`a script of more than ${MAX_SCRIPT_STATEMENTS} statements runs none of them`, async () => {
    const outcomes = await c.run('CREATE DATABASE never_created; ' + 'SHOW DATABASES; '.repeat(MAX_SCRIPT_STATEMENTS));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]!.error).toEqual({ code: 'AnalysisError', errno: 1064, sqlstate: 'HY000', message: `A script may hold at most ${MAX_SCRIPT_STATEMENTS} statements; this one holds ${MAX_SCRIPT_STATEMENTS + 1}` });
    expect((await c.rows('SHOW DATABASES')).map((r) => r[0])).not.toContain('never_created');
  });
});
