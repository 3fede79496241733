import { isTerminal } from '../lib/domain/states.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';
import type { WaitedJob } from './run-script.ts';

/** The exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** What becomes of a job when its process is gone: what recovery at the next open does (lib/jobs/recover-jobs.ts). */
const AT_ONCE = 'Ctrl-C again to stop at once: the next command on this home then rolls the job back to CANCELLED ' +
  '(or forward to FINISHED if it was already committing)';

const WHAT_CANCEL_DOES: Record<string, string> = {
  // lib/jobs/cancel-job.ts cleanBackup: the snapshot's __info and meta go; content-addressed blobs stay.
  BACKUP: 'the snapshot is not written (blobs already uploaded stay in the repository for later backups to reuse)',
  // cleanRestore: the downloaded segments go, and the tables it held are given back.
  RESTORE: 'the files it downloaded are removed and the tables it held are given back as they were',
};

/**
 * Ctrl-C in the embedded `starbackup sql`. While a BACKUP or RESTORE is waited for, the first one cancels
 * the job as CANCEL BACKUP/RESTORE would (its cancel flag; the job takes its cancel path at its next check)
 * and the script waits for it to end, then exits 130; a second one exits at once, leaving the job to the
 * recovery of the next open. Outside a job, Ctrl-C exits at once as usual.
 */
export class Interrupt {
  private job: WaitedJob | undefined;
  private cancelling = false;
  /** Set once Ctrl-C cancelled a job: the command then exits 130. */
  interrupted = false;
  private readonly onSigint = () => void this.handle();

  constructor(private readonly ctx: ServiceContext, private readonly note: (line: string) => void) {
    process.on('SIGINT', this.onSigint);
  }

  waiting(job: WaitedJob | undefined): void {
    this.job = job;
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
  }

  private async handle(): Promise<void> {
    const job = this.job;
    if (!job || this.cancelling) {
      if (job) this.note('Interrupted again: stopping now.');
      process.exit(INTERRUPTED_EXIT);
    }
    this.cancelling = true;
    this.interrupted = true;
    let committing = false;
    try {
      await this.ctx.control.updateJob(job.jobId, (j) => {
        if (isTerminal(j.state)) return undefined;
        // A restore in COMMITTING only goes forward (as CANCEL RESTORE refuses it then).
        if (j.state === 'COMMITTING') return ((committing = true), undefined);
        return j.cancelRequested ? undefined : ((j.cancelRequested = true), j);
      });
    } catch (e) {
      this.note(`Interrupted: could not cancel ${job.type} job ${job.label} (${e instanceof Error ? e.message : String(e)}); stopping now.`);
      process.exit(INTERRUPTED_EXIT);
    }
    this.note(committing
      ? `Interrupted: ${job.type} job ${job.label} is committing and can only finish; waiting for it to end. ${AT_ONCE}.`
      : `Interrupted: cancelling ${job.type} job ${job.label}; ${WHAT_CANCEL_DOES[job.type] ?? 'what it wrote is removed'}. Waiting for it to end. ${AT_ONCE}.`);
  }
}
