import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    expect(out[4]).toEqual({ statement: 'SELECT COUNT(*) FROM d.nope', error: { code: 'NotFoundError', errno: 5502, sqlstate: '42602', message: "Unknown table 'd.nope'" } });
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
    // Piped, the progress is plain lines; the last one is the job's end, at 100%.
    expect(b.stderr).toMatch(/^BACKUP s1: FINISHED 100% (\d+)\/\1 files, ([\d.]+ (B|KiB))\/\2$/m);
    expect(b.stderr).not.toMatch(/\r|\u001b\[/);
    const ts = job.rows[0][3];
    const r = cli(['sql', '--home', home, '--json', `RESTORE SNAPSHOT s1 FROM r DATABASE a AS b PROPERTIES ("backup_timestamp" = "${ts}"); SELECT COUNT(*) FROM b.t`]);
    expect(JSON.parse(r.stdout)[1].rows).toEqual([['2']]);
    expect(r.stderr).toMatch(/^RESTORE s1: FINISHED 100% (\d+)\/\1 files, /m);
  });

  it("runs the README's RESTORE example, its timestamp taken from SHOW SNAPSHOT", async () => {
    const dir = await temp.make();
    mkdirSync(`${dir}/repo`, { recursive: true });
    const starbackup = `"${process.execPath}" "${BIN}"`;
    // The README's lines, with \`npx starbackup\` spelled as the test's binary and the home given.
    const script = `set -e
      ${starbackup} sql --home home "CREATE DATABASE sr_hub; CREATE TABLE sr_hub.m (id INT); INSERT INTO sr_hub.m VALUES (1), (2), (3);
        CREATE REPOSITORY test_repo WITH BROKER ON LOCATION 'file://${dir}/repo'"
      ${starbackup} sql --home home "BACKUP DATABASE sr_hub SNAPSHOT sr_hub_backup TO test_repo" 2>/dev/null
      TS=$(${starbackup} sql --home home --json "SHOW SNAPSHOT ON test_repo WHERE SNAPSHOT = 'sr_hub_backup'" | node -p 'JSON.parse(require("fs").readFileSync(0))[0].rows[0][1]')
      ${starbackup} sql --home home "RESTORE SNAPSHOT sr_hub_backup FROM test_repo DATABASE sr_hub AS sr_hub_new
        PROPERTIES ('backup_timestamp' = '$TS')" 2>/dev/null
      ${starbackup} sql --home home "SELECT COUNT(*) FROM sr_hub_new.m"`;
    const r = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\|        3 \|\n\+----------\+\n1 row in set/);
  }, 180_000); // five CLI runs

  it('explains bad usage, with --json as one JSON error element', () => {
    const r = cli(['sql']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('give either statements or -f file');
    const j = cli(['sql', '--json']);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual([{ error: { code: 'AnalysisError', errno: 1064, sqlstate: 'HY000', message: 'give either statements or -f file' } }]);
  });
});

describe('starbackup sql prints like the mysql client', () => {
  it('prints errors as ERROR <errno> (<sqlstate>): <message> on stderr, and Database changed without a timing', async () => {
    const home = await temp.make();
    const r = cli(['sql', '--home', home, 'CREATE DATABASE d; USE d; SELECT COUNT(*) FROM d.nope; SHOW DATABASES']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^Query OK, 1 row affected \(\d+\.\d\d sec\)\nDatabase changed\n$/);
    // StarRocks answers an unknown table with 1064 (ERR_COMMON_ERROR family) and SQLSTATE HY000.
    expect(r.stderr).toBe("ERROR 5502 (42602): Unknown table 'd.nope'\n");
    const syntax = cli(['sql', '--home', home, 'SHOW TABLEZ']);
    expect(syntax.stderr).toMatch(/^ERROR 1064 \(HY000\): Getting syntax error at line 1, column 6\. Detail message: /);
  });

  it('right-aligns columns of numbers (NULL among them), and leaves titles and text on the left', async () => {
    const home = await temp.make();
    const r = cli(['sql', '--home', home, "CREATE DATABASE d; CREATE TABLE d.t (k INT, v STRING); INSERT INTO d.t VALUES (7, 'a'), (1234, NULL), (NULL, 'bb'); SELECT * FROM d.t"]);
    expect(r.status, r.stderr).toBe(0);
    const table = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(table).toEqual(['| k    | v    |', '|    7 | a    |', '| 1234 | NULL |', '| NULL | bb   |']);
  });

  it('prints its version with --version, read beside the program whatever the working directory', async () => {
    const cwd = await temp.make();
    const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const r = cli(['--version'], cwd);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('reports an error outside any statement (a bad starbackup.conf) as one JSON element with --json, never a stack', async () => {
    const home = await temp.make();
    writeFileSync(join(home, 'starbackup.conf'), 'upload_worker_count = lots\n');
    const message = `Invalid value 'lots' for upload_worker_count in ${join(home, 'starbackup.conf')} line 1`;
    const j = cli(['sql', '--home', home, '--json', 'SHOW DATABASES']);
    expect(j.status).toBe(1);
    const [element] = JSON.parse(j.stdout);
    expect(element).toEqual({ error: { code: 'AnalysisError', errno: 1064, sqlstate: 'HY000', message: expect.stringContaining(message) } });
    const t = cli(['sql', '--home', home, 'SHOW DATABASES']);
    expect(t.status).toBe(1);
    expect(t.stdout).toBe('');
    expect(t.stderr).toMatch(new RegExp(`^starbackup: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(t.stderr).not.toMatch(/^\s+at /m);
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
