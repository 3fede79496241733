import { type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's entry point, as `npx starbackup` runs it. */
export const STARBACKUP_BIN = join(import.meta.dirname, '../../bin/starbackup.js');

/**
 * Runs a command to its end, collecting its output. Asynchronous, so a server running in the test's own
 * process keeps answering the child.
 */
export function runProcess(command: string, args: string[], options: SpawnOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += String(d); });
    child.stderr!.on('data', (d) => { stderr += String(d); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `starbackup <args>` in a child process. */
export function runCli(args: string[], options: SpawnOptions = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, [STARBACKUP_BIN, ...args], options);
}
