import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../lib/domain/envelope.ts';
import type { SnapshotInfo, SnapshotMeta } from '../../lib/domain/snapshot-types.ts';
import { validateSnapshotInfo, validateSnapshotMeta } from '../../lib/domain/snapshot-validation.ts';
import { sha256Hex } from '../../lib/ports/object-io.ts';
import { useTempDirs } from '../support/temp-dirs.ts';
import { type TestCluster, openTestCluster, snapshotTimestamp } from '../support/test-cluster.ts';

/**
 * What comes back from a repository is untrusted input. Each forgery below edits `__meta` (and `__info`) in a
 * file:// repository and recomputes every checksum exactly as the writer does, so the files pass integrity;
 * RESTORE, SHOW SNAPSHOT and ADMIN VERIFY SNAPSHOT must still refuse them, naming the snapshot, its timestamp,
 * the repository and the field, and a refused RESTORE leaves nothing behind.
 */
const temp = useTempDirs('forged');
let c: TestCluster;
let root: string;
let ts = '';
let cts = '';
/** Where each table sits in `__meta` tables (the backup writes them in catalog order). */
const at: Record<string, number> = {};

const LABEL = 'sr_hub_backup';
const invalid = (field: string) => `Snapshot ${LABEL} (${ts}) in repository r is invalid: ${field}`;
const files = (label: string, stamp: string) => ({
  info: join(root, `__ss_${label}`, `__info_${stamp}`),
  meta: join(root, `__ss_${label}`, `__meta_${stamp}`),
});

/** A snapshot file's body as JSON, free to be forged. */
type Json = any;
interface Forgery {
  meta?: (meta: Json) => void;
  /** Runs after `__info` records the forged `__meta`'s sha256 and size. */
  info?: (info: Json) => void;
}

/** Forges the snapshot's files for the duration of `run`, with checksums recomputed as the writer computes them. */
async function forged<T>(edit: Forgery, run: () => Promise<T>, label = LABEL, stamp = ts): Promise<T> {
  const f = files(label, stamp);
  const good = { info: readFileSync(f.info, 'utf8'), meta: readFileSync(f.meta, 'utf8') };
  const info = JSON.parse(good.info).body as Json;
  const meta = JSON.parse(good.meta).body as Json;
  edit.meta?.(meta);
  const metaText = seal(meta, sha256Hex);
  info.meta = { sha256: sha256Hex(metaText), size: Buffer.byteLength(metaText) };
  edit.info?.(info);
  writeFileSync(f.meta, metaText);
  writeFileSync(f.info, seal(info, sha256Hex));
  try {
    return await run();
  } finally {
    writeFileSync(f.info, good.info);
    writeFileSync(f.meta, good.meta);
  }
}

/** Everything a restore could create or hold: databases, tables (with their state), views, functions, catalogs. */
async function everything(): Promise<unknown> {
  const dbs = await c.ctx.catalog.listDatabases();
  const objects = await Promise.all(dbs.map(async (d) => ({
    db: d.name,
    tables: (await c.ctx.catalog.listTables(d.name)).map((t) => t.doc),
    views: await c.ctx.catalog.listViews(d.name),
    functions: await c.ctx.catalog.listFunctions(d.name),
  })));
  return { shown: await c.rows('SHOW DATABASES'), objects, catalogs: await c.rows('SHOW CATALOGS') };
}

async function lastRestore(db: string) {
  const refs = (await c.ctx.control.jobsOfDatabase(db)).filter((j) => j.type === 'RESTORE');
  return refs.length ? (await c.ctx.control.requireJob(refs[refs.length - 1]!.jobId)).doc : undefined;
}

/**
 * Runs a RESTORE that must be refused with `message`, and checks it left nothing behind: nothing created
 * or held, no lock, and the job (when the refusal came after it started) CANCELLED with the error in its status.
 */
async function refused(sql: string, message: string, db = 'dst'): Promise<void> {
  const before = await everything();
  const jobBefore = await lastRestore(db);
  const error = await c.error(sql);
  expect(await everything()).toEqual(before);
  expect(await c.ctx.control.locks.held()).toEqual([]);
  const job = await lastRestore(db);
  if (job?.jobId === jobBefore?.jobId) {
    // __info is read before the job exists: the statement itself is refused.
    expect(error).toBe(message);
  } else {
    expect(error).toBe(`RESTORE job '${job!.label}' ended CANCELLED: [COMMON_ERROR, msg: ${message}]`);
    expect(job!.state).toBe('CANCELLED');
    expect(job!.status).toEqual({ code: 'COMMON_ERROR', msg: message });
    expect(job!.type === 'RESTORE' && job!.restore.held).toEqual([]);
  }
}

const restoreSql = (target = 'dst', on = '') =>
  `RESTORE SNAPSHOT ${LABEL} FROM r DATABASE src AS ${target}${on} PROPERTIES ("backup_timestamp" = "${ts}")`;
const catalogRestoreSql = () => `RESTORE SNAPSHOT cats FROM r ALL EXTERNAL CATALOGS PROPERTIES ("backup_timestamp" = "${cts}")`;

/** The first (partition, tablet) of table t that holds a segment. */
function segmentOf(meta: Json): { p: number; b: number } {
  const parts = meta.tables[at.t!].partitions as Json[];
  for (const [p, part] of parts.entries()) for (const [b, tablet] of part.tablets.entries()) if (tablet.segments.length) return { p, b };
  throw new Error('no segment');
}

beforeAll(async () => {
  const dir = await temp.make();
  const repoDir = join(dir, 'repo');
  mkdirSync(repoDir);
  root = join(repoDir, '__starbackup_repository_r');
  c = await openTestCluster(dir);
  await c.sql(`CREATE DATABASE src; USE src;
    CREATE TABLE t (k INT NOT NULL, dt DATE, v VARCHAR(8) DEFAULT 'x') DUPLICATE KEY (k)
      PARTITION BY RANGE (dt) (PARTITION p1 VALUES LESS THAN ("2024-02-01"), PARTITION p2 VALUES LESS THAN (MAXVALUE))
      DISTRIBUTED BY HASH (k) BUCKETS 2;
    INSERT INTO t VALUES (1, '2024-01-05', 'a'), (2, '2024-03-01', 'b');
    CREATE TABLE l (k INT, c VARCHAR(4)) PARTITION BY LIST (c) (PARTITION pa VALUES IN ("a"), PARTITION pb VALUES IN ("b"))
      DISTRIBUTED BY HASH (k) BUCKETS 1;
    INSERT INTO l VALUES (1, 'a');
    CREATE MATERIALIZED VIEW mv REFRESH MANUAL AS SELECT k FROM t;
    CREATE MATERIALIZED VIEW t_idx AS SELECT k, v FROM t;
    CREATE VIEW vw AS SELECT v FROM t;
    CREATE FUNCTION f(INT) RETURNS INT PROPERTIES ("symbol" = "a.F", "type" = "StarrocksJar", "file" = "http://h/f.jar");
    CREATE EXTERNAL CATALOG cat PROPERTIES ("type" = "hive", "hive.metastore.uris" = "thrift://h:9083");
    CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${repoDir}";
    BACKUP DATABASE src SNAPSHOT ${LABEL} TO r;
    BACKUP EXTERNAL CATALOG (cat) SNAPSHOT cats TO r`);
  ts = await snapshotTimestamp(c, 'r', LABEL);
  cts = await snapshotTimestamp(c, 'r', 'cats');
  const meta = JSON.parse(readFileSync(files(LABEL, ts).meta, 'utf8')).body as SnapshotMeta;
  meta.tables.forEach((t, i) => { at[t.def.name] = i; });
});
afterAll(async () => c?.close());

describe('the forgeries are made as the writer writes', () => {
  it('re-sealing an unchanged snapshot reproduces its files byte for byte, and it restores', async () => {
    const f = files(LABEL, ts);
    const [info, meta] = [readFileSync(f.info, 'utf8'), readFileSync(f.meta, 'utf8')];
    expect(seal(JSON.parse(meta).body, sha256Hex)).toBe(meta);
    expect(seal(JSON.parse(info).body, sha256Hex)).toBe(info);
    await forged({}, async () => {
      expect(readFileSync(f.meta, 'utf8')).toBe(meta);
      expect(readFileSync(f.info, 'utf8')).toBe(info);
    });
    expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${LABEL} ON r`)).toEqual([[LABEL, ts, null, null, 'OK']]);
    await c.sql(restoreSql('whole'));
    expect(await c.count('whole.t')).toBe(2);
    await c.sql('DROP DATABASE whole');
  });
});

describe('RESTORE refuses a forged __meta before anything is created', () => {
  it("a table named '../evil/t' (only in __meta: the job is cancelled; in __info too: the statement is refused)", async () => {
    const why = "Incorrect table name '../evil/t': it must not contain '/', '\\', '#', '..' or control characters";
    await forged({ meta: (m) => { m.tables[at.t!].def.name = '../evil/t'; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].def.name: ${why}`)));
    await forged({
      meta: (m) => { m.tables[at.t!].def.name = '../evil/t'; },
      info: (i) => { i.backup_objects['../evil/t'] = i.backup_objects.t; delete i.backup_objects.t; },
    }, () => refused(restoreSql(), invalid(`__info backup_objects["../evil/t"]: ${why}`)));
  });

  it("a table named 'T#x'", async () => {
    await forged({ meta: (m) => { m.tables[at.l!].def.name = 'T#x'; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.l}].def.name: Incorrect table name 'T#x': it must not contain '/', '\\', '#', '..' or control characters`)));
  });

  it('a column type that does not parse, into a database whose tables exist (none is held)', async () => {
    await forged({ meta: (m) => { m.tables[at.t!].def.columns[2].type = { name: 'BLOB', params: [] }; } }, async () => {
      await refused(restoreSql('src'), invalid(`__meta tables[${at.t}].def.columns[2].type: Unsupported type 'BLOB'`), 'src');
      expect((await c.ctx.catalog.requireTable('src', 't')).doc.state).toBe('NORMAL');
    });
  });

  it('a partition value that is not a value of its column type', async () => {
    await forged({ meta: (m) => { m.tables[at.t!].def.partitioning.partitions[0].range.upper = ['2024-13-45']; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].def.partitioning.partitions[0].range.upper: Invalid partition value '2024-13-45' of partition p1: it is not a valid DATE (yyyy-MM-dd)`)));
    await forged({ meta: (m) => { m.tables[at.l!].def.partitioning.partitions[1].values = [['toolong']]; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.l}].def.partitioning.partitions[1].values[0]: Invalid partition value 'toolong' of partition pb: it is longer than 4 bytes`)));
  });

  it('a negative size, in __meta and in __info', async () => {
    let where = { p: 0, b: 0 };
    await forged({ meta: (m) => { where = segmentOf(m); m.tables[at.t!].partitions[where.p].tablets[where.b].segments[0].size = -1; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions[${where.p}].tablets[${where.b}].segments[0].size: expected a non-negative integer, got number -1`)));
    await forged({ info: (i) => { i.totals.bytes = -5; } }, () => refused(restoreSql(), invalid('__info totals.bytes: expected a non-negative integer, got number -5')));
    await forged({ info: (i) => { i.meta.size = 2 ** 53; } }, () => refused(restoreSql(), invalid('__info meta.size: expected a non-negative integer, got number 9007199254740992')));
  });

  it('a blob reference that is not a sha256', async () => {
    let where = { p: 0, b: 0 };
    await forged({ meta: (m) => { where = segmentOf(m); m.tables[at.t!].partitions[where.p].tablets[where.b].segments[0].sha256 = '../../../etc/passwd'; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions[${where.p}].tablets[${where.b}].segments[0].sha256: expected a sha256 (64 lowercase hex digits), got '../../../etc/passwd'`)));
  });

  it("a view, function or catalog named with '/'", async () => {
    await forged({ meta: (m) => { m.views[0].name = 'a/b'; } }, () =>
      refused(restoreSql(), invalid("__meta views[0].name: Incorrect view name 'a/b': it must not contain '/', '\\', '#', '..' or control characters")));
    await forged({ info: (i) => { i.views = ['a/b']; } }, () =>
      refused(restoreSql(), invalid("__info views[0]: Incorrect view name 'a/b': it must not contain '/', '\\', '#', '..' or control characters")));
    await forged({ meta: (m) => { m.functions[0].name = 'f/x'; } }, () =>
      refused(restoreSql(), invalid("__meta functions[0].name: Incorrect function name 'f/x': it must not contain '/', '\\', '#', '..' or control characters")));
    // Whatever a RESTORE selects, the whole file is validated.
    await forged({ meta: (m) => { m.tables[at.mv!].def.name = 'mv/x'; } }, () =>
      refused(restoreSql('dst', ' ON (MATERIALIZED VIEW mv)'), invalid(`__meta tables[${at.mv}].def.name: Incorrect materialized view name 'mv/x': it must not contain '/', '\\', '#', '..' or control characters`)));
    await forged({ meta: (m) => { m.views[0].name = 'a/b'; } }, () =>
      refused(restoreSql('dst', ' ON (FUNCTION f)'), invalid("__meta views[0].name: Incorrect view name 'a/b': it must not contain '/', '\\', '#', '..' or control characters")));
    const cats = (field: string) => `Snapshot cats (${cts}) in repository r is invalid: ${field}`;
    await forged({ meta: (m) => { m.catalogs[0].name = 'c/x'; } }, () =>
      refused(catalogRestoreSql(), cats("__meta catalogs[0].name: Incorrect catalog name 'c/x': it must not contain '/', '\\', '#', '..' or control characters"), ''), 'cats', cts);
    await forged({ info: (i) => { i.catalogs = ['c/x']; } }, () =>
      refused(catalogRestoreSql(), cats("__info catalogs[0]: Incorrect catalog name 'c/x': it must not contain '/', '\\', '#', '..' or control characters"), ''), 'cats', cts);
    await forged({ meta: (m) => { m.catalogs.push({ ...m.catalogs[0] }); } }, () =>
      refused(catalogRestoreSql(), cats("__meta catalogs[1].name: 'cat' appears more than once"), ''), 'cats', cts);
  });

  it('a missing field', async () => {
    await forged({ meta: (m) => { delete m.tables[at.t!].def.distribution; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].def.distribution: missing`)));
    await forged({ info: (i) => { delete i.totals; } }, () => refused(restoreSql(), invalid('__info totals: missing')));
  });

  it('a wrong JSON type or extra nesting', async () => {
    await forged({ meta: (m) => { m.tables[at.t!].partitions = {}; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions: expected an array, got an object`)));
    await forged({ meta: (m) => { m.tables[at.t!].def.columns[0].name = ['k']; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].def.columns[0].name: expected a string, got an array`)));
    await forged({ meta: (m) => { m.tables[at.t!].def.extra = { nested: true }; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].def.extra: unexpected field`)));
    await forged({ meta: (m) => { m.views = 'vw'; } }, () => refused(restoreSql(), invalid("__meta views: expected an array, got 'vw'")));
    await forged({ info: (i) => { i.backup_objects.t.partitions.p1 = [1]; } }, () =>
      refused(restoreSql(), invalid('__info backup_objects.t.partitions.p1: expected an object, got an array')));
  });

  it('a bucket that would become part of a segment path, or tablets that do not match the buckets', async () => {
    await forged({ meta: (m) => { m.tables[at.t!].partitions[0].tablets[1].bucket = '../../x'; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions[0].tablets[1].bucket: expected a non-negative integer, got '../../x'`)));
    await forged({ meta: (m) => { m.tables[at.t!].partitions[0].tablets[1].bucket = 7; } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions[0].tablets[1].bucket: expected 1`)));
    await forged({ meta: (m) => { m.tables[at.t!].partitions[0].tablets.pop(); } }, () =>
      refused(restoreSql(), invalid(`__meta tables[${at.t}].partitions[0].tablets: 1 tablets, but def.distribution has 2 buckets`)));
  });

  it('a __meta that passes every check but disagrees with __info', async () => {
    const info = JSON.parse(readFileSync(files(LABEL, ts).info, 'utf8')).body as SnapshotInfo;
    const summary = info.backup_objects.l!.partitions.pa!;
    const forgedSummary = JSON.stringify({ ...summary, version: 9 });
    await forged({ meta: (m) => { m.tables[at.l!].partitions[0].version = 9; } }, async () =>
      refused(restoreSql(), invalid(`__meta disagrees with __info: l.pa: the partition summary is ${forgedSummary} in __meta but ${JSON.stringify(summary)} in __info`)));
  });

  it('a backup_timestamp that is not a timestamp never reaches the store', async () => {
    expect(await c.error(`RESTORE SNAPSHOT ${LABEL} FROM r DATABASE src PROPERTIES ("backup_timestamp" = "x/../../../y")`)).toBe(
      `Failed to get info of snapshot '${LABEL}' because: backup timestamp 'x/../../../y' is not of the form yyyy-MM-dd-HH-mm-ss-SSS. Maybe specified wrong backup timestamp`,
    );
  });
});

describe('SHOW SNAPSHOT and ADMIN VERIFY SNAPSHOT report a forged snapshot without crashing', () => {
  const table = "Incorrect table name 'T#x': it must not contain '/', '\\', '#', '..' or control characters";

  it('a forged __info is listed with an error status and reported by VERIFY', async () => {
    await forged({ info: (i) => { i.backup_objects['T#x'] = i.backup_objects.l; delete i.backup_objects.l; } }, async () => {
      const message = invalid(`__info backup_objects["T#x"]: ${table}`);
      expect((await c.rows(`SHOW SNAPSHOT ON r WHERE SNAPSHOT = '${LABEL}'`))[0]!.slice(0, 3)).toEqual([LABEL, ts, `ERROR: Failed to get info: ${message}`]);
      expect((await c.rows(`SHOW SNAPSHOT ON r WHERE SNAPSHOT = '${LABEL}' AND TIMESTAMP = '${ts}'`))[0]![4]).toBe(`Failed to get info: ${message}`);
      expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${LABEL} ON r`)).toEqual([[LABEL, ts, null, `file://${files(LABEL, ts).info}`, message]]);
    });
  });

  it('a __meta of the wrong shape is reported by VERIFY, which checks nothing else in it', async () => {
    await forged({ meta: (m) => { m.tables[at.t!].partitions = {}; } }, async () => {
      expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${LABEL} ON r`)).toEqual([
        [LABEL, ts, null, `file://${files(LABEL, ts).meta}`, invalid(`__meta tables[${at.t}].partitions: expected an array, got an object`)],
      ]);
    });
    await forged({ meta: (m) => { m.tables[at.l!].def.name = 'T#x'; } }, async () => {
      expect(await c.rows(`ADMIN VERIFY SNAPSHOT ${LABEL} ON r`)).toEqual([
        [LABEL, ts, null, `file://${files(LABEL, ts).meta}`, invalid(`__meta tables[${at.l}].def.name: ${table}`)],
      ]);
    });
  });

  it('a label that is not a name is refused before the store is asked', async () => {
    expect((await c.rows(`SHOW SNAPSHOT ON r WHERE SNAPSHOT = '../x' AND TIMESTAMP = '${ts}'`))[0]![4]).toBe(
      "Failed to get info: Incorrect snapshot name '../x': it must not contain '/', '\\', '#', '..' or control characters",
    );
  });

  it('garbage collection treats a forged __meta as unreadable: it deletes no blob, and DROP SNAPSHOT still works', async () => {
    await c.sql(`CREATE DATABASE gc; CREATE TABLE gc.g (k INT); INSERT INTO gc.g VALUES (777); BACKUP DATABASE gc SNAPSHOT gc_only TO r`);
    const blobs = () => readdirSync(join(root, '__blobs'), { recursive: true }).length;
    const before = blobs();
    await forged({ meta: (m) => { m.tables = {}; } }, () => c.sql('DROP SNAPSHOT gc_only ON r'));
    expect(blobs()).toBe(before);
    expect((await c.rows("SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'gc_only'"))[0]![2]).toBe('ERROR: no snapshot');
  });
});

/**
 * The remaining rules, on the real snapshot's files edited in memory: each names its field, and every rule
 * a statement obeys is applied with the statement's message.
 */
describe('the snapshot schema', () => {
  let meta: Json;
  let info: Json;
  beforeAll(() => {
    meta = JSON.parse(readFileSync(files(LABEL, ts).meta, 'utf8')).body;
    info = JSON.parse(readFileSync(files(LABEL, ts).info, 'utf8')).body;
  });
  const metaError = (edit: (m: Json) => void) => {
    const m = structuredClone(meta);
    edit(m);
    try {
      validateSnapshotMeta(m);
    } catch (e) {
      return (e as Error).message;
    }
    return 'valid';
  };
  const infoError = (edit: (i: Json) => void, stored?: { label: string; timestamp: string }) => {
    const i = structuredClone(info);
    edit(i);
    try {
      validateSnapshotInfo(i, stored);
    } catch (e) {
      return (e as Error).message;
    }
    return 'valid';
  };

  it('accepts the real files as they are', () => {
    expect(validateSnapshotMeta(structuredClone(meta))).toEqual(meta);
    expect(validateSnapshotInfo(structuredClone(info), { label: LABEL, timestamp: ts })).toEqual(info);
    expect(metaError(() => undefined)).toBe('valid');
  });

  it('__info: identity, format version, counts and names', () => {
    expect(infoError(() => undefined, { label: 'other', timestamp: ts })).toBe(`__info name: '${LABEL}', but the file belongs to snapshot 'other'`);
    expect(infoError(() => undefined, { label: LABEL, timestamp: '2020-01-01-00-00-00-000' })).toBe(`__info timestamp: '${ts}', but the file is __info_2020-01-01-00-00-00-000`);
    expect(infoError((i) => { i.timestamp = 'yesterday'; })).toBe("__info timestamp: expected a snapshot timestamp (yyyy-MM-dd-HH-mm-ss-SSS), got 'yesterday'");
    expect(infoError((i) => { i.format_version = 2; })).toBe("__info format_version: format version 2 is newer than this reader's (1)");
    expect(infoError((i) => { i.format_version = 0; })).toBe('__info format_version: expected a positive integer, got number 0');
    expect(infoError((i) => { i.cluster_id = ''; })).toBe('__info cluster_id: expected a non-empty string');
    expect(infoError((i) => { i.backup_result = 'failed'; })).toBe("__info backup_result: expected one of 'succeed', got 'failed'");
    expect(infoError((i) => { i.meta.sha256 = 'ABC'; })).toBe("__info meta.sha256: expected a sha256 (64 lowercase hex digits), got 'ABC'");
    expect(infoError((i) => { i.materialized_views = ['nope']; })).toBe("__info materialized_views[0]: 'nope' is not in backup_objects");
    expect(infoError((i) => { i.totals.blobs = i.totals.files + 1; })).toBe(`__info totals.blobs: ${info.totals.files + 1} blobs for ${info.totals.files} files`);
    expect(infoError((i) => { i.views = ['vw', 'vw']; })).toBe("__info views[1]: 'vw' appears more than once");
    expect(infoError((i) => { i.catalogs = ['Default_Catalog']; })).toBe("__info catalogs[0]: 'default_catalog' is the internal catalog");
    expect(infoError((i) => { i.database = 'a\u0001b'; })).toBe("__info database: Incorrect database name 'a\\x01b': it must not contain '/', '\\', '#', '..' or control characters");
    expect(infoError((i) => { i.database = ''; })).toBe('valid'); // an external-catalog snapshot
    expect(infoError(() => undefined)).toBe('valid');
    expect(infoError((i) => { i.ttl = 7; })).toBe('__info ttl: expected a string, got number 7');
  });

  it('__meta: the root and the object lists', () => {
    expect(validateSnapshotMetaError(null)).toBe('__meta: expected an object, got null');
    expect(metaError((m) => { m.tables.push(structuredClone(m.tables[0])); })).toBe(`__meta tables[${meta.tables.length}].def.name: '${meta.tables[0].def.name}' appears more than once`);
    expect(metaError((m) => { m.views.push(structuredClone(m.views[0])); })).toBe("__meta views[1].name: 'vw' appears more than once");
    expect(metaError((m) => { m.catalogs = [{ id: 'x1', name: 'default_catalog', type: 'hive', properties: {}, createTime: 1 }]; })).toBe("__meta catalogs[0].name: 'default_catalog' is the internal catalog");
    expect(metaError((m) => { m.catalogs = [{ id: 'x1', name: 'c', type: '', properties: {}, createTime: 1 }]; })).toBe('__meta catalogs[0].type: expected a non-empty string');
    expect(metaError((m) => { m.functions[0].argTypes = ['INT) #']; })).toBe("__meta functions[0].argTypes[0]: expected a type such as INT or VARCHAR(10), got 'INT) #'");
    expect(metaError((m) => { m.functions[0].kind = 'MACRO'; })).toBe("__meta functions[0].kind: expected one of 'SCALAR', 'AGGREGATE', 'TABLE', got 'MACRO'");
    expect(metaError((m) => { m.functions[0].properties.file = 'x'.repeat(64 * 1024 + 1); })).toBe(
      "__meta functions[0].properties: The value of property 'file' is 65537 bytes long; a property value may be at most 65536 bytes",
    );
    expect(metaError((m) => { m.views[0].id = 'a/b'; })).toBe("__meta views[0].id: expected an id (1 to 64 letters, digits, '_' or '-'), got 'a/b'");
  });

  it('__meta: columns, with the rules of CREATE TABLE', () => {
    const t = (k: string) => `__meta tables[${at.t}].def.${k}`;
    const edit = (f: (d: Json) => void) => metaError((m) => f(m.tables[at.t!].def));
    expect(edit((d) => { d.columns[0].type = { name: 'int', params: [] }; })).toBe(`${t('columns[0].type')}: expected its normal form {"name":"INT","params":[]}`);
    expect(edit((d) => { d.columns[2].type = { name: 'VARCHAR', params: [0] }; })).toBe(`${t('columns[2].type')}: Invalid type VARCHAR(0): length must be between 1 and 1048576`);
    expect(edit((d) => { d.columns[2].type.params = [-1]; })).toBe(`${t('columns[2].type.params[0]')}: expected a non-negative integer, got number -1`);
    expect(edit((d) => { d.columns[2].defaultValue = 'much too long'; })).toBe(`${t('columns[2].defaultValue')}: Invalid default value for 'v': 'much too long' is longer than 8 bytes`);
    expect(edit((d) => { d.columns[0].nullable = 'no'; })).toBe(`${t('columns[0].nullable')}: expected true or false, got 'no'`);
    expect(edit((d) => { d.columns[0].aggregate = 'SUM(1)'; })).toBe(`${t('columns[0].aggregate')}: expected an aggregate function such as SUM, got 'SUM(1)'`);
    expect(edit((d) => { d.columns[1].name = 'K'; })).toBe(`${t('columns')}: Duplicate column name 'K'`);
    expect(edit((d) => { d.columns = []; })).toBe(`${t('columns')}: Table t must have at least one column`);
    expect(edit((d) => { d.keysType = 'PRIMARY_KEYS'; d.columns[0].nullable = true; })).toBe(`${t('columns[0]')}: primary key column[k] cannot be nullable`);
    expect(edit((d) => { d.keyColumns = ['nope']; })).toBe(`${t('keyColumns[0]')}: Key column 'nope' does not exist in the table`);
  });

  it('__meta: partitions, distribution and synchronous materialized views', () => {
    const t = (k: string) => `__meta tables[${at.t}].def.${k}`;
    const edit = (f: (d: Json) => void) => metaError((m) => f(m.tables[at.t!].def));
    expect(edit((d) => { d.partitioning.columns = ['nope']; })).toBe(`${t('partitioning.columns[0]')}: Partition column 'nope' does not exist in the table`);
    expect(edit((d) => { d.partitioning.type = 'HASHED'; })).toBe(`${t('partitioning.type')}: expected one of 'RANGE', 'LIST', 'UNPARTITIONED', got 'HASHED'`);
    expect(edit((d) => { delete d.partitioning.partitions[0].range; })).toBe(`${t('partitioning.partitions[0].range')}: missing`);
    expect(edit((d) => { d.partitioning.partitions[0].values = [['2024-01-01']]; })).toBe(`${t('partitioning.partitions[0].values')}: unexpected field in a partition of a RANGE table`);
    expect(edit((d) => { d.partitioning.partitions[0].range.upper = ['2024-02-01', '1']; })).toBe(`${t('partitioning.partitions[0].range.upper')}: Partition p1 has more values than partition columns`);
    expect(edit((d) => { d.partitioning.partitions[1].range.lower = ['2024-01-01']; })).toBe(`${t('partitioning.partitions')}: Range of partition p2 intersects with the range of partition p1`);
    expect(edit((d) => { d.partitioning.partitions.reverse(); d.partitioning.partitions[0].range.lower = ['2024-01-31']; })).toBe(
      `${t('partitioning.partitions')}: Range of partition p2 intersects with the range of partition p1`,
    );
    expect(edit((d) => { d.partitioning.partitions[1].range = { lower: ['2024-05-01'], upper: ['2024-04-01'] }; })).toBe(
      `${t('partitioning.partitions[1].range')}: Invalid range of partition p2: the upper bound must be greater than the lower bound`,
    );
    expect(edit((d) => { d.partitioning.partitions[1].name = 'P1'; })).toBe(`${t('partitioning.partitions')}: Duplicate partition name 'P1'`);
    expect(edit((d) => { d.distribution.buckets = 5000; })).toBe(`${t('distribution.buckets')}: Invalid bucket number: 5000`);
    expect(edit((d) => { d.distribution.columns = ['nope']; })).toBe(`${t('distribution.columns[0]')}: Distribution column 'nope' does not exist in the table`);
    expect(edit((d) => { d.indexes[0].columns = ['nope']; })).toBe(`${t('indexes[0].columns[0]')}: Index column 'nope' does not exist in the table`);
    expect(edit((d) => { d.indexes.push({ ...d.indexes[0], id: 'other' }); })).toBe(`${t('indexes')}: Duplicate materialized view name 't_idx'`);
    expect(edit((d) => { d.mv = { query: 'SELECT 1', baseTables: [], refresh: 'REFRESH MANUAL', active: true }; })).toBe(`${t('mv')}: unexpected field in a table of type OLAP`);
    expect(edit((d) => { d.properties = { replication_num: 3 }; })).toBe(`${t('properties.replication_num')}: expected a string, got number 3`);
    const mv = `__meta tables[${at.mv}].def`;
    expect(metaError((m) => { delete m.tables[at.mv!].def.mv; })).toBe(`${mv}.mv: missing`);
    expect(metaError((m) => { m.tables[at.mv!].def.name = 'a/b'; })).toBe(`${mv}.name: Incorrect materialized view name 'a/b': it must not contain '/', '\\', '#', '..' or control characters`);
    expect(metaError((m) => { m.tables[at.mv!].def.mv.baseTables[0].db = '..'; })).toBe(`${mv}.mv.baseTables[0].db: Incorrect database name '..': it must not contain '/', '\\', '#', '..' or control characters`);
    expect(metaError((m) => { m.tables[at.l!].def.partitioning.partitions[0].range = { lower: [], upper: null }; })).toBe(
      `__meta tables[${at.l}].def.partitioning.partitions[0].range: unexpected field in a partition of a LIST table`,
    );
  });

  it('__meta: the data match the definition, one tablet per bucket', () => {
    const p = `__meta tables[${at.t}].partitions`;
    const edit = (f: (t: Json) => void) => metaError((m) => f(m.tables[at.t!]));
    expect(edit((t) => { t.partitions[0].name = 'p9'; })).toBe(`${p}[0].name: partition 'p9' is not in def.partitioning.partitions`);
    expect(edit((t) => { t.partitions.pop(); })).toBe(`${p}: partition 'p2' of def.partitioning.partitions is missing`);
    expect(edit((t) => { t.partitions.push(structuredClone(t.partitions[0])); })).toBe(`${p}: Duplicate partition name 'p1'`);
    expect(edit((t) => { t.partitions[0].version = 0; })).toBe(`${p}[0].version: expected a positive integer, got number 0`);
    expect(edit((t) => { t.partitions[0].indexes.other = t.partitions[0].indexes.t_idx; })).toBe(`${p}[0].indexes.other: 'other' is not in def.indexes`);
    expect(edit((t) => { delete t.partitions[0].indexes; })).toBe(`${p}[0].indexes.t_idx: missing`);
    expect(edit((t) => { t.partitions[0].indexes.t_idx.pop(); })).toBe(`${p}[0].indexes.t_idx: 1 tablets, but def.distribution has 2 buckets`);
    expect(edit((t) => { t.partitions[0].tablets[0].segments[0] = { sha256: 'a'.repeat(64), size: 1, rows: 1.5 }; })).toMatch(/tablets\[0\]\.segments\[0\]\.rows: expected a non-negative integer, got number 1\.5$/);
  });
});

function validateSnapshotMetaError(body: unknown): string {
  try {
    validateSnapshotMeta(body);
  } catch (e) {
    return (e as Error).message;
  }
  return 'valid';
}
