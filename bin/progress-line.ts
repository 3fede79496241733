import cliProgress from 'cli-progress';

/** A running job as the CLI polls it from its record. */
export interface JobProgress {
  type: string;
  label: string;
  state: string;
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

export interface ProgressView {
  update(p: JobProgress): void;
  /** Draws the last state for good (a terminal gets its line ended). */
  stop(): void;
  /** A line of its own (Ctrl-C's message): on a terminal the redrawn line is ended first, and drawn again below on the next update. */
  note(line: string): void;
}

/** The stream a view draws on: a terminal when `isTTY`, of `columns` width. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Piped output gets a line at most this often (a state change is printed at once). */
export const PLAIN_INTERVAL_MS = 5_000;

/**
 * On a terminal, one line redrawn in place (cli-progress) with percentage, bytes in human units, rate and
 * ETA; piped, plain lines, only when something changed and not more often than PLAIN_INTERVAL_MS.
 */
export function progressView(stream: ProgressStream, now: () => number = Date.now): ProgressView {
  return stream.isTTY === true ? new TerminalView(stream, now) : new PlainView(stream, now);
}

class PlainView implements ProgressView {
  private last = '';
  private lastState = '';
  private lastAt = -Infinity;
  private pending: JobProgress | undefined;
  constructor(private readonly stream: ProgressStream, private readonly now: () => number) {}

  update(p: JobProgress): void {
    const line = describe(p);
    if (line === this.last) return;
    if (p.state === this.lastState && this.now() - this.lastAt < PLAIN_INTERVAL_MS) {
      this.pending = p;
      return;
    }
    this.write(p, line);
  }

  stop(): void {
    if (this.pending && describe(this.pending) !== this.last) this.write(this.pending, describe(this.pending));
  }

  note(line: string): void {
    this.stream.write(`${line}\n`);
  }

  private write(p: JobProgress, line: string): void {
    this.stream.write(`${line}\n`);
    this.last = line;
    this.lastState = p.state;
    this.lastAt = this.now();
    this.pending = undefined;
  }
}

class TerminalView implements ProgressView {
  private readonly bar: cliProgress.SingleBar;
  private started = false;
  private readonly rate = new Rate();
  constructor(private readonly stream: ProgressStream, private readonly now: () => number) {
    this.bar = new cliProgress.SingleBar({
      stream,
      // Ours to draw: the plain line with rate and ETA, cut to the terminal's width (never wrapped onto a
      // second line, which the next redraw would leave behind); the library redraws it in place.
      format: (_options, params, payload: { line: string }) => payload.line.slice(0, Math.max(1, params.maxWidth - 1)),
      linewrap: false,
      hideCursor: true,
      gracefulExit: false,
    });
  }

  update(p: JobProgress): void {
    const line = `${describe(p)}${this.rate.text(p, this.now())}`;
    if (!this.started) {
      this.started = true;
      this.bar.start(1, 0, { line });
    } else {
      // Drawn at once: updates come every 500 ms, the library's own schedule would drop some.
      this.bar.update(0, { line });
      this.bar.render();
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }

  note(line: string): void {
    // The library saves the cursor when a bar starts and restores it when it stops: a line written while
    // it draws would be overwritten, so the bar stops first and starts again on the next update.
    this.stop();
    this.stream.write(`${line}\n`);
  }
}

/**
 * Bytes per second over what was moved since the first sample of the transfer phase: the files a job
 * did not need to move (already in the repository) count as done at once, and must not pass for speed.
 */
class Rate {
  private base: { at: number; bytes: number; state: string } | undefined;

  text(p: JobProgress, at: number): string {
    if (p.totalBytes === 0 || isTerminal(p.state)) return '';
    if (this.base?.state !== p.state) this.base = { at, bytes: p.bytes, state: p.state };
    const seconds = (at - this.base.at) / 1000;
    const moved = p.bytes - this.base.bytes;
    if (seconds <= 0 || moved <= 0) return ', ETA --';
    const perSecond = moved / seconds;
    return `, ${humanBytes(perSecond)}/s, ETA ${humanSeconds((p.totalBytes - p.bytes) / perSecond)}`;
  }
}

function isTerminal(state: string): boolean {
  return state === 'FINISHED' || state === 'CANCELLED';
}

/** `BACKUP s1: UPLOADING 42% 3/8 files, 1.2 MiB/2.9 MiB`. */
export function describe(p: JobProgress): string {
  const files = Math.min(p.files, p.totalFiles);
  const bytes = Math.min(p.bytes, p.totalBytes);
  return `${p.type} ${p.label}: ${p.state} ${percent(p)}% ${files}/${p.totalFiles} files, ${humanBytes(bytes)}/${humanBytes(p.totalBytes)}`;
}

function percent(p: JobProgress): number {
  if (p.state === 'FINISHED') return 100;
  const ratio = p.totalBytes > 0 ? p.bytes / p.totalBytes : p.totalFiles > 0 ? p.files / p.totalFiles : 0;
  // Never 100 before the job has finished: its last steps are still ahead.
  return Math.min(99, Math.floor(ratio * 100));
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → `1.5 KiB`; bytes below 1 KiB as a whole number. */
export function humanBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** 75 → `1m15s`. */
export function humanSeconds(s: number): string {
  const total = Math.ceil(s);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${String(total % 60).padStart(2, '0')}s`;
  return `${Math.floor(total / 3600)}h${String(Math.floor((total % 3600) / 60)).padStart(2, '0')}m`;
}
