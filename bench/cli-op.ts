import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type Timed, timed } from './process-time.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'starbackup.js');

/** The bench measures the JavaScript users run: dist/, built (or found up to date) once per bench. */
export function buildCli(): void {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface CliOp extends Timed { rows: string[][] }

/** `starbackup sql --home H --json SQL` as a whole process; throws on a failed statement. */
export function cliOp(home: string, sql: string): CliOp {
  const t = timed(process.execPath, [CLI, 'sql', '--home', home, '--json', sql]);
  const outcomes = JSON.parse(t.stdout) as { error?: { message: string }; rows?: string[][] }[];
  const failed = outcomes.find((o) => o.error);
  if (failed) throw new Error(`${sql}: ${failed.error!.message}`);
  return { ...t, rows: outcomes.at(-1)?.rows ?? [] };
}

/** Any other CLI command (`--version`), whole process. */
export const cliCommand = (args: string[]): Timed => timed(process.execPath, [CLI, ...args]);
