import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOLD_AFTER_ENV } from '../../bin/test-hooks.ts';
import { STARBACKUP_BIN, runCli } from '../support/run-process.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('cli-interrupt');
const TEST_MS = 180_000;

/** A CLI left running, its stderr collected, and a way to wait for a line in it. */
function start(args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [STARBACKUP_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d) => { stdout += String(d); });
  child.stderr!.on('data', (d) => { stderr += String(d); waiters.forEach((w) => w()); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { waiters.forEach((w) => w()); resolve(code); }));
  const waitFor = (text: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stderr.includes(text)) resolve();
      else if (child.exitCode !== null) reject(new Error(`the CLI exited (${child.exitCode}) before printing '${text}'; stderr: ${stderr}`));
    };
    waiters.push(check);
    check();
  });
  return { child, waitFor, exited, out: () => ({ stdout, stderr }) };
}

describe('a BACKUP in the embedded CLI', () => {
  it('keeps a second CLI out of the home, naming the holder, and Ctrl-C cancels the job, then exits 130', async () => {
    const dir = await temp.make();
    const home = join(dir, 'home');
    mkdirSync(join(dir, 'repo'));
    const setup = await runCli(['sql', '--home', home, `CREATE DATABASE d; CREATE TABLE d.t (k INT) DISTRIBUTED BY HASH (k) BUCKETS 2; INSERT INTO d.t VALUES (1), (2);
      CREATE REPOSITORY r WITH BROKER ON LOCATION "file://${join(dir, 'repo')}"`]);
    expect(setup.status, setup.stderr).toBe(0);

    // The hook holds the job after its uploads until its cancel flag is set: running, whatever the speed.
    const first = start(['sql', '--home', home, 'BACKUP DATABASE d SNAPSHOT s1 TO r; SHOW DATABASES'], { [HOLD_AFTER_ENV]: 'UPLOAD_BATCH' });
    try {
      await first.waitFor('test hook: holding after UPLOAD_BATCH');

      const second = await runCli(['sql', '--home', home, 'SHOW DATABASES']);
      expect(second.status).toBe(1);
      expect(second.stdout).toBe('');
      expect(second.stderr).toMatch(new RegExp(`^starbackup: Home ${home} is in use by starbackup process ${first.child.pid} \\(starbackup sql, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); ` +
        `wait for it to end, or run \`starbackup serve --home ${home}\` so several clients can share the home\\n$`));
      const json = await runCli(['sql', '--home', home, '--json', 'SHOW DATABASES']);
      expect(JSON.parse(json.stdout)).toEqual([{ error: expect.objectContaining({ code: 'StorageError', message: expect.stringContaining(`is in use by starbackup process ${first.child.pid}`) }) }]);

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(130);
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
    }
    const { stdout, stderr } = first.out();
    expect(stderr).toContain('Interrupted: cancelling BACKUP job s1; the snapshot is not written (blobs already uploaded stay in the repository for later backups to reuse). ' +
      'Waiting for it to end. Ctrl-C again to stop at once: the next command on this home then rolls the job back to CANCELLED (or forward to FINISHED if it was already committing).');
    expect(stderr).toContain("ERROR 1064 (HY000): BACKUP job 's1' ended CANCELLED: [COMMON_ERROR, msg: user cancelled]");
    expect(stdout).toBe(''); // the script stopped at the cancelled BACKUP

    // What the message said happened: the job is CANCELLED, no snapshot, and the home is free again.
    const after = await runCli(['sql', '--home', home, '--json', "SHOW BACKUP FROM d; SHOW SNAPSHOT ON r WHERE SNAPSHOT = 's1'"]);
    expect(after.stderr).not.toContain('recovered job');
    const [show, snapshots] = JSON.parse(after.stdout);
    expect(show.rows[0].slice(1, 4)).toEqual(['s1', 'd', 'CANCELLED']);
    expect(snapshots.rows.map((r: string[]) => r[2])).toEqual(['ERROR: no snapshot']);
  }, TEST_MS);
});
