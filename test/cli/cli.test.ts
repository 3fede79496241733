import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('cli');
const BIN = join(import.meta.dirname, '../../bin/starbackup.js');

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('starbackup sql', () => {
  it('prints one JSON element per executed statement and stops at the first failure with exit 1', async () => {
    const home = await temp.make();
    const r = cli(['sql', '--home', home, '--json', "CREATE DATABASE d; CREATE TABLE d.t (a INT, b STRING); INSERT INTO d.t VALUES (1, 'x'), (2, NULL); SELECT * FROM d.t; SELECT COUNT(*) FROM d.nope; SHOW DATABASES"]);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(5);
    expect(out[0]).toEqual({ statement: 'CREATE DATABASE d', columns: [], rows: [] });
    expect(out[3]).toEqual({ statement: 'SELECT * FROM d.t', columns: ['a', 'b'], rows: [['1', 'x'], ['2', null]] });
    expect(out[4]).toEqual({ statement: 'SELECT COUNT(*) FROM d.nope', error: { code: 'NotFoundError', errno: 1064, sqlstate: 'HY000', message: "Unknown table 'd.nope'" } });
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('runs the statements before a syntax error, then reports it with line and column', async () => {
    const home = await temp.make();
    const r = cli(['sql', '--home', home, '--json', 'CREATE DATABASE d;\nSHOW DATABASES;\nSHOW TABLEZ']);
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.map((o: { statement: string }) => o.statement)).toEqual(['CREATE DATABASE d', 'SHOW DATABASES', 'SHOW TABLEZ']);
    expect(out[2].error.code).toBe('ParseError');
    expect(out[2].error.message).toMatch(/^Getting syntax error at line 3, column 6\. /);
  });

  it('keeps the home between runs, reads -f files and prints tables like the mysql client', async () => {
    const dir = await temp.make();
    const home = join(dir, 'home');
    const file = join(dir, 'setup.sql');
    writeFileSync(file, "CREATE DATABASE shop;\nCREATE TABLE shop.items (id INT, name VARCHAR(10)) DISTRIBUTED BY HASH (id) BUCKETS 2;\nINSERT INTO shop.items VALUES (1, 'pen');\n");
    expect(cli(['sql', '--home', home, '-f', file]).status).toBe(0);
    const r = cli(['sql', '--home', home, 'SELECT * FROM shop.items']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\+----\+------\+\n\| id \| name \|\n\+----\+------\+\n\|  1 \| pen  \|\n\+----\+------\+\n1 row in set \(\d+\.\d\d sec\)\n$/);
  });

  it('uses ./.starbackup as the default home', async () => {
    const cwd = await temp.make();
    expect(cli(['sql', 'CREATE DATABASE here'], cwd).status).toBe(0);
    expect(cli(['sql', '--json', 'SHOW DATABASES'], cwd).stdout).toContain('"here"');
    expect(cli(['sql', '--home', join(cwd, '.starbackup'), '--json', 'SHOW DATABASES']).stdout).toContain('"here"');
  });

  it('backs up and restores across two invocations, with progress on stderr', async () => {
    const dir = await temp.make();
    const home = join(dir, 'home');
    mkdirSync(`${dir}/repo`, { recursive: true }); // a file:// repository's folder must exist
    cli(['sql', '--home', home, `CREATE DATABASE a; CREATE TABLE a.t (k INT); INSERT INTO a.t VALUES (1), (2);
      CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${dir}/repo"`]);
    const b = cli(['sql', '--home', home, '--json', 'BACKUP DATABASE a SNAPSHOT s1 TO r']);
    expect(b.status).toBe(0);
    const [job] = JSON.parse(b.stdout);
    expect(job.columns).toEqual(['JobId', 'Label', 'State', 'Timestamp']);
    expect(job.rows[0].slice(1, 3)).toEqual(['s1', 'FINISHED']);
    expect(b.stderr).toContain('BACKUP s1: FINISHED');
    const ts = job.rows[0][3];
    const r = cli(['sql', '--home', home, '--json', `RESTORE SNAPSHOT s1 FROM r DATABASE a AS b PROPERTIES ("backup_timestamp" = "${ts}"); SELECT COUNT(*) FROM b.t`]);
    expect(JSON.parse(r.stdout)[1].rows).toEqual([['2']]);
  });

  it('explains bad usage', () => {
    const r = cli(['sql']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('give either statements or -f file');
  });
});

describe('starbackup demo', () => {
  it('runs the guided tour and verifies the counts', () => {
    const r = cli(['demo']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('starbackup> BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO demo_repo;');
    expect(r.stdout).toMatch(/OK: sr_hub\.sr_member had 23 rows at the backup and 25 now; sr_hub_new\.sr_member has 23\./);
  });
});
