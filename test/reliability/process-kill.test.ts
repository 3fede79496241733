import { mkdirSync, readdirSync } from 'node:fs';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../bin/embedded-runtime.ts';
import type { TableRecord } from '../../lib/domain/catalog-types.ts';
import { layout } from '../../lib/domain/repository-layout.ts';
import { listAll } from '../../lib/ports/object-io.ts';
import { openRepository } from '../../lib/repository/repository-context.ts';
import { runScript } from '../../bin/run-script.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * Real crash recovery: a `starbackup sql` process is SIGKILLed in the middle of a job (the
 * STARBACKUP_TEST_PAUSE_AFTER hook holds it at a known point), and the next command on the home must
 * find the job and finish it before running its own statement.
 */
const temp = useTempDirs('process-kill');
const BIN = join(import.meta.dirname, '../../bin/starbackup.js');
let dir: string;
let home: string;
let ts: string;
const before: Record<string, TableRecord> = {};

/** Runs statements in-process on the home (setup and inspection; the home is closed after). */
async function onHome<T>(fn: (e: Awaited<ReturnType<typeof openEmbedded>>) => Promise<T>): Promise<T> {
  const e = await openEmbedded(home);
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

async function sql(e: Awaited<ReturnType<typeof openEmbedded>>, text: string) {
  const outcomes = await runScript(e.ctx, text);
  const failed = outcomes.find((o) => o.error);
  if (failed) throw new Error(`${failed.statement}: ${failed.error!.message}`);
  return outcomes.at(-1)!.result!.rows;
}

/** Starts `starbackup sql` paused after `task`, waits until it is there, and SIGKILLs it. */
async function killedAfter(task: string, statement: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'sql', '--home', home, statement], {
    env: { ...process.env, STARBACKUP_TEST_PAUSE_AFTER: task },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`no pause after ${task} within 40 s: ${stderr}`)), 40_000);
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(`starbackup: test hook: paused after ${task}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`exited (${code}) before pausing after ${task}: ${stderr}`)));
  });
  await kill(child);
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited; // reaped: its pid is gone, as after a crash
}

/** The next command on the home, as a user would run it. */
function cli(statement: string): unknown[][] {
  const r = spawnSync(process.execPath, [BIN, 'sql', '--home', home, '--json', statement], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout).at(-1).rows;
}

beforeAll(async () => {
  dir = await temp.make();
  home = join(dir, 'home');
  await onHome(async (e) => {
    mkdirSync(join(dir, 'repo'), { recursive: true }); // a file:// repository's folder must exist
    await sql(e, `CREATE DATABASE src; CREATE TABLE src.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2;
      INSERT INTO src.t VALUES (1, 'a'), (2, 'b'), (3, 'c');
      CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
      BACKUP DATABASE src SNAPSHOT base TO r;
      INSERT INTO src.t VALUES (4, 'new since base');
      CREATE DATABASE tgt1; CREATE TABLE tgt1.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO tgt1.t VALUES (9, 'old');
      CREATE DATABASE tgt2; CREATE TABLE tgt2.t (k INT, v STRING) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO tgt2.t VALUES (9, 'old')`);
    ts = (await sql(e, "SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'base'"))[0]![1]!;
    for (const db of ['tgt1', 'tgt2']) before[db] = (await e.ctx.catalog.requireTable(db, 't')).doc;
  });
});

describe('a process killed mid-job', () => {
  it('BACKUP killed in UPLOADING: the next command rolls it back, the blobs it uploaded included', async () => {
    // Read from the folder itself: opening the home would already recover the job.
    const blobs = () => readdirSync(join(dir, 'repo', layout.blobsPrefix('r')), { recursive: true }).map(String).filter((f) => /[0-9a-f]{64}/.test(f)).sort();
    const kept = blobs();
    await killedAfter('UPLOAD_BATCH', 'BACKUP DATABASE src SNAPSHOT killed TO r');
    expect(blobs().length).toBeGreaterThan(kept.length);
    const [row] = cli('SHOW BACKUP FROM src');
    expect([row![1], row![3], row![12]]).toEqual(['killed', 'CANCELLED', '[COMMON_ERROR, msg: the process running the job stopped; rolled back]']);
    await onHome(async (e) => {
      const jobId = row![0] as string;
      expect(await e.ctx.control.getLock('src')).toBeUndefined();
      expect(await listAll(e.ctx.data, `staging/${jobId}/`)).toEqual([]);
      const repo = await openRepository(e.ctx, await e.ctx.control.requireRepository('r'));
      expect(await listAll(repo, layout.snapshotDir('r', 'killed'))).toEqual([]);
      expect(blobs()).toEqual(kept);
      expect(await sql(e, "SHOW SNAPSHOT ON r WHERE SNAPSHOT = 'killed'")).toEqual([['killed', null, 'ERROR: no snapshot', null, null, null, null]]);
      await sql(e, 'BACKUP DATABASE src SNAPSHOT killed TO r'); // the lock is free and the label usable
    });
  });

  it('RESTORE killed in DOWNLOADING: the next command rolls it back and the table is as it was', async () => {
    await killedAfter('DOWNLOAD_BATCH', `RESTORE SNAPSHOT base FROM r DATABASE src AS tgt1 PROPERTIES ("backup_timestamp" = "${ts}")`);
    const [row] = cli('SHOW RESTORE FROM tgt1');
    expect([row![4], row![16]]).toEqual(['CANCELLED', '[COMMON_ERROR, msg: the process running the job stopped; rolled back]']);
    expect(cli('SELECT * FROM tgt1.t')).toEqual([['9', 'old']]);
    await onHome(async (e) => {
      const jobId = row![0] as string;
      expect((await e.ctx.catalog.requireTable('tgt1', 't')).doc).toEqual(before.tgt1);
      expect((await listAll(e.ctx.data, 'data/')).filter((k) => k.includes(`r-${jobId}`))).toEqual([]);
      expect(await listAll(e.ctx.data, `staging/${jobId}/`)).toEqual([]);
      expect(await e.ctx.control.getLock('tgt1')).toBeUndefined();
    });
  });

  it('RESTORE killed in COMMITTING: the next command rolls it forward to FINISHED', async () => {
    await killedAfter('COMMIT', `RESTORE SNAPSHOT base FROM r DATABASE src AS tgt2 PROPERTIES ("backup_timestamp" = "${ts}")`);
    const [row] = cli('SHOW RESTORE FROM tgt2');
    expect([row![4], row![16]]).toEqual(['FINISHED', '[OK]']);
    expect(cli('SELECT * FROM tgt2.t').sort()).toEqual([['1', 'a'], ['2', 'b'], ['3', 'c']]);
    await onHome(async (e) => {
      expect((await e.ctx.catalog.requireTable('tgt2', 't')).doc.state).toBe('NORMAL');
      expect(await e.ctx.control.getLock('tgt2')).toBeUndefined();
    });
  });
});
