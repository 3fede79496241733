import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessResult } from './run-process.ts';

/**
 * The real MySQL clients the MySQL door's tests drive: Debian's `mariadb` command-line client and
 * Python's pymysql run by /usr/bin/python3. The global setup installs them where they are missing and
 * apt-get may run (CI machines start without them); each test file then requires them.
 */
export const PYTHON = '/usr/bin/python3';
const PACKAGES = ['mariadb-client', 'python3-pymysql'];

export function missingMysqlClients(): string[] {
  const missing: string[] = [];
  if (spawnSync('mariadb', ['--version']).status !== 0) missing.push('mariadb-client (the `mariadb` command)');
  if (spawnSync(PYTHON, ['-c', 'import pymysql']).status !== 0) missing.push(`python3-pymysql (pymysql for ${PYTHON})`);
  return missing;
}

/** Installs the clients when one is missing and this is root on a machine with apt-get; otherwise does nothing. */
export function installMysqlClients(log: (line: string) => void): void {
  if (missingMysqlClients().length === 0) return;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) return;
  log(`installing ${PACKAGES.join(' ')} for the MySQL door's tests`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...PACKAGES]]) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (run.status !== 0) return log(`apt-get ${args.join(' ')} failed (${run.status}): ${run.stderr.slice(-500)}`);
  }
}

/** Throws, saying what to install, when a client is missing. */
export function requireMysqlClients(): void {
  const missing = missingMysqlClients();
  if (missing.length > 0) {
    throw new Error(`The MySQL door's tests need ${missing.join(' and ')}: apt-get install ${PACKAGES.join(' ')} (the test setup does it when run as root)`);
  }
}

/** The folder of libmariadb's client plugins, which holds caching_sha2_password. */
export function mariadbPluginDir(): string {
  for (const arch of readdirSync('/usr/lib')) {
    const dir = join('/usr/lib', arch, 'libmariadb3/plugin');
    if (existsSync(join(dir, 'caching_sha2_password.so'))) return dir;
  }
  throw new Error('libmariadb3\'s caching_sha2_password plugin is missing: apt-get install libmariadb3');
}

/** Runs a command to its end with `input` on its stdin (asynchronous: a server in this process keeps answering). */
export function runWithInput(command: string, args: string[], input = ''): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += String(d); });
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** `mariadb -h127.0.0.1 -P<port> -uroot <args>`, with no option file read (a developer's ~/.my.cnf stays out). */
export function mariadb(port: number, args: string[], input = ''): Promise<ProcessResult> {
  return runWithInput('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${port}`, ...(args.some((a) => a.startsWith('-u')) ? [] : ['-uroot']), ...args], input);
}
