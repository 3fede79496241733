import { formatResult } from './format-table.ts';
import { type ProgressStream, type ProgressView, progressView } from './progress-line.ts';
import { type Outcome, type OutcomeError, outcomeError } from './run-script.ts';

/**
 * What `starbackup sql` prints, as the mysql client does: results on stdout, `ERROR <errno> (<sqlstate>):
 * <message>` on stderr (the mysql client's stream for errors, in batch and interactive mode alike).
 */
export function printOutcome(o: Outcome): void {
  if (o.error) process.stderr.write(`${errorLine(o.error)}\n`);
  else process.stdout.write(formatResult(o.result!, o.seconds));
}

export function errorLine(e: OutcomeError): string {
  return `ERROR ${e.errno} (${e.sqlstate}): ${e.message}`;
}

/** One element of the `--json` array: a statement's columns and rows, or its error. */
export function outcomeJson(o: Outcome) {
  if (o.error) return { statement: o.statement, error: o.error };
  return { statement: o.statement, columns: o.result!.columns, rows: o.result!.rows };
}

/**
 * An error outside any statement (the home is in use, a bad starbackup.conf, the server refused the
 * request): with `--json` the array's one element, `{"error": {code, errno, sqlstate, message}}`, the
 * shape of a failed statement without its text; otherwise one `starbackup: <message>` line on stderr.
 * Never a stack. Exit status 1.
 */
export function printOutsideError(err: unknown, json: boolean): void {
  const error = outcomeError(err);
  if (json) process.stdout.write(`${JSON.stringify([{ error }], null, 2)}\n`);
  else process.stderr.write(`starbackup: ${error.message}\n`);
  process.exitCode = 1;
}

/** The progress of the jobs a script waits for, one view per job, and notes that must not tear its line. */
export class JobDisplay {
  private view: ProgressView | undefined;
  constructor(private readonly stream: ProgressStream) {}

  update(p: Parameters<ProgressView['update']>[0]): void {
    (this.view ??= progressView(this.stream)).update(p);
  }

  /** The job ended: its last line stays. */
  end(): void {
    this.view?.stop();
    this.view = undefined;
  }

  /** A line of its own, below a line being redrawn on a terminal. */
  note(line: string): void {
    if (this.view) this.view.note(line);
    else this.stream.write(`${line}\n`);
  }
}
