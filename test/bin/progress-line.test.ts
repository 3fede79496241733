import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type JobProgress, PLAIN_INTERVAL_MS, humanBytes, humanSeconds, progressView } from '../../bin/progress-line.ts';

/** A real writable stream that collects what is written; a terminal when `isTTY`, as process.stderr is. */
function stream(isTTY: boolean, columns = 120) {
  const chunks: string[] = [];
  const s = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } }) as Writable & { isTTY?: boolean; columns?: number };
  if (isTTY) Object.assign(s, { isTTY: true, columns });
  return { s, text: () => chunks.join('') };
}

const MiB = 1024 * 1024;
const job = (state: string, bytes: number, files: number): JobProgress => ({ type: 'BACKUP', label: 's1', state, files, totalFiles: 8, bytes, totalBytes: 8 * MiB });

describe('the progress on a terminal', () => {
  it('is one line redrawn in place with percentage, human units, rate and ETA, ended by a newline', () => {
    let now = 0;
    const { s, text } = stream(true);
    const view = progressView(s, () => now);
    view.update(job('UPLOADING', 2 * MiB, 2)); // the files found in the repository: done at once, not speed
    now = 2_000;
    view.update(job('UPLOADING', 4 * MiB, 4));
    const drawn = text();
    // Each drawing goes back to the line's start and clears what is right of it: no new line meanwhile.
    expect(drawn).not.toContain('\n');
    expect(drawn).toContain('\u001b[');
    expect(drawn).toContain('BACKUP s1: UPLOADING 25% 2/8 files, 2.0 MiB/8.0 MiB, ETA --');
    // 2 MiB moved in 2 s: 1 MiB/s, and 4 MiB to go.
    expect(drawn).toContain('BACKUP s1: UPLOADING 50% 4/8 files, 4.0 MiB/8.0 MiB, 1.0 MiB/s, ETA 4s');
    now = 3_000;
    view.update(job('FINISHED', 8 * MiB, 8));
    view.stop();
    expect(text()).toContain('BACKUP s1: FINISHED 100% 8/8 files, 8.0 MiB/8.0 MiB');
    expect(text().endsWith('\n')).toBe(true);
    expect(text().split('\n')).toHaveLength(2);
  });

  it('ends its line before a note (Ctrl-C\'s message), so the note is never drawn over, and goes on below it', () => {
    const { s, text } = stream(true);
    const view = progressView(s, () => 0);
    view.update(job('UPLOADING', MiB, 1));
    view.note('Interrupted: cancelling BACKUP job s1');
    const noted = text().length;
    view.update(job('UPLOADING', 2 * MiB, 2));
    view.stop();
    const before = text().slice(0, noted);
    // The bar stopped (cursor restored to its line, line ended) before the note was written.
    expect(before).toMatch(/UPLOADING 12% [^\n]*\u001b8\nInterrupted: cancelling BACKUP job s1\n$/);
    // The next drawing starts a new line of its own under the note.
    expect(text().slice(noted)).toMatch(/^\u001b7[^\n]*UPLOADING 25% 2\/8 files[^\n]*\n$/);
  });

  it('is cut to the terminal width rather than wrapped', () => {
    const { s, text } = stream(true, 30);
    const view = progressView(s, () => 0);
    view.update(job('UPLOADING', MiB, 1));
    view.stop();
    expect(text()).toContain('BACKUP s1: UPLOADING 12% 1/8 ');
    expect(text()).not.toContain('files, 1.0 MiB');
  });
});

describe('the progress when piped', () => {
  it('is plain lines, only on a change, at most one per interval unless the state changes, and the last one at the end', () => {
    let now = 0;
    const { s, text } = stream(false);
    const view = progressView(s, () => now);
    view.update(job('SNAPSHOTING', 0, 0));
    view.update(job('SNAPSHOTING', 0, 0));
    now = 100;
    view.update(job('UPLOADING', MiB, 1)); // a new state: at once
    now = 200;
    view.update(job('UPLOADING', 2 * MiB, 2)); // too soon: held back
    now = 300;
    view.update(job('UPLOADING', 3 * MiB, 3));
    now = 100 + PLAIN_INTERVAL_MS;
    view.update(job('UPLOADING', 4 * MiB, 4));
    now += 100;
    view.update(job('UPLOADING', 5 * MiB, 5)); // too soon again, but printed by stop: the last state seen
    view.stop();
    expect(text()).toBe([
      'BACKUP s1: SNAPSHOTING 0% 0/8 files, 0 B/8.0 MiB',
      'BACKUP s1: UPLOADING 12% 1/8 files, 1.0 MiB/8.0 MiB',
      'BACKUP s1: UPLOADING 50% 4/8 files, 4.0 MiB/8.0 MiB',
      'BACKUP s1: UPLOADING 62% 5/8 files, 5.0 MiB/8.0 MiB',
      '',
    ].join('\n'));
  });
});

describe('human units', () => {
  it('are binary multiples with one decimal, and minutes and hours for long waits', () => {
    expect([humanBytes(0), humanBytes(1023), humanBytes(1536), humanBytes(5 * MiB), humanBytes(3 * 1024 * MiB)]).toEqual(['0 B', '1023 B', '1.5 KiB', '5.0 MiB', '3.0 GiB']);
    expect([humanSeconds(0.2), humanSeconds(59), humanSeconds(75), humanSeconds(3 * 3600 + 120)]).toEqual(['1s', '59s', '1m15s', '3h02m']);
  });
});
