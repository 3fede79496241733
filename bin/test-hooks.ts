import type { ServiceContext } from '../lib/jobs/service-context.ts';
import type { HandlerWrapper } from './task-bindings.ts';

/**
 * STARBACKUP_TEST_PAUSE_AFTER=<TASK> (a Task state name, e.g. UPLOAD_BATCH, DOWNLOAD_BATCH, COMMIT) is a
 * test hook, read here and nowhere else: once that Task's handler has run, the process prints
 * `starbackup: test hook: paused after <TASK>` on stderr and waits for ever, so a test can kill it with
 * SIGKILL at a known point of a job and check what the next command on the home recovers.
 */
export const PAUSE_AFTER_ENV = 'STARBACKUP_TEST_PAUSE_AFTER';

export function pauseAfterTask(env: NodeJS.ProcessEnv): HandlerWrapper | undefined {
  const task = env[PAUSE_AFTER_ENV];
  if (!task) return undefined;
  return (_workflow, state, handler) => state !== task ? handler : async (input) => {
    await handler(input);
    process.stderr.write(`starbackup: test hook: paused after ${task}\n`);
    // A timer keeps the process alive; a pending promise alone would let it exit.
    await new Promise(() => setInterval(() => undefined, 1 << 30));
  };
}

/**
 * STARBACKUP_TEST_HOLD_AFTER=<TASK>, the other test hook: once that Task's handler has run, the process prints
 * `starbackup: test hook: holding after <TASK>` on stderr and holds the job there until its cancel flag is
 * set (Ctrl-C, CANCEL BACKUP), then lets it go on, so a test can interrupt a job known to be running.
 */
export const HOLD_AFTER_ENV = 'STARBACKUP_TEST_HOLD_AFTER';

export function holdAfterTask(env: NodeJS.ProcessEnv, ctx: ServiceContext): HandlerWrapper | undefined {
  const task = env[HOLD_AFTER_ENV];
  if (!task) return undefined;
  return (_workflow, state, handler) => state !== task ? handler : async (input) => {
    const out = await handler(input);
    const jobId = (input as { jobId?: string } | undefined)?.jobId;
    if (!jobId) return out;
    process.stderr.write(`starbackup: test hook: holding after ${task}\n`);
    while (!(await ctx.control.getJob(jobId))?.doc.cancelRequested) await new Promise((r) => setTimeout(r, 50));
    return out;
  };
}
