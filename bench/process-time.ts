import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the operating system counted for one whole process, as a user waiting at the shell sees it. */
export interface Timed {
  wall: number;
  /** user + system CPU seconds. */
  cpu: number;
  peakRssMB: number;
  stdout: string;
}

/** Installs a Debian package when `probe` is missing (the bench runs as root on the CI machine kind). */
export function ensureDebian(probe: string[], pkg: string): boolean {
  if (spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore' }).status === 0) return true;
  process.stderr.write(`${probe[0]} is missing: installing ${pkg} from Debian packages\n`);
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  return apt(['update']) && apt(['install', '-y', pkg]) && spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore' }).status === 0;
}

const TIME = '/usr/bin/time';

let warmBytes = 0;

/**
 * From now on every timed run starts after a process has touched `bytes` of memory and exited. On this
 * machine kind (a VM whose kernel hands memory it has freed back to its host) the first writes into memory
 * taken back cost seconds of system time (a 1 GiB dd: 4 s of system time, then 0.25 s right after another),
 * which would land on whichever tool happens to run after a quiet spell. Anonymous memory, not a scratch
 * file: removing a file leaves the file system discards to do, which a tool's next fsync would wait for.
 */
export function warmMemoryBeforeEachRun(bytes: number): void {
  warmBytes = bytes;
}

function warmMemory(): void {
  if (warmBytes <= 0) return;
  const chunks = Math.ceil(warmBytes / (256 * 1024 * 1024));
  // A filled buffer writes every page (a zeroed one may map none).
  execFileSync(process.execPath, ['-e', `const held = []; for (let i = 0; i < ${chunks}; i++) held.push(Buffer.alloc(256 * 1024 * 1024, 1));`]);
}

/**
 * Runs a command under GNU time: wall, user + system CPU and peak RSS come from the kernel's accounting of the
 * finished process (wait4), not from inside it, so start-up, module loading and exit are all counted.
 */
export function timed(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Timed {
  if (!ensureDebian([TIME, '--version'], 'time')) throw new Error('GNU time (/usr/bin/time) is needed to measure whole processes');
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  // Every run starts with no dirty pages: otherwise the writeback of what the previous step wrote (a
  // generated gigabyte) lands in this one's fsyncs and reads, whichever tool it is.
  warmMemory();
  execFileSync('sync');
  try {
    const out = join(dir, 'time');
    const stdout = execFileSync(TIME, ['-f', '%e %U %S %M', '-o', out, file, ...args],
      { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    const [wall, user, sys, rssKB] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return { wall: wall!, cpu: user! + sys!, peakRssMB: rssKB! / 1024, stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
