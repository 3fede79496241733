import { describe, expect, it } from 'vitest';
import { checkTargets, median, type TargetRun } from '../../bench/targets.ts';

const m = (wall: number, cpu = wall, peakRssMB = 100) => ({ wall, cpu, peakRssMB });

const run: TargetRun = {
  target: 'file',
  full: { ...m(4, 8), bytes: 1000 },
  second: { ...m(0.5, 0.6, 120), bytes: 12, newBytes: 10 },
  restore: { ...m(3, 3, 180), bytes: 1000 },
  emptyBackup: m(0.5),
  rcloneUp: m(5, 4),
  rcloneDown: m(2, 6),
  resticSecond: m(0.25),
};

describe('bench target checks', () => {
  it('computes each issue-16 target from the measured rows, with the factor by which it is met or missed', () => {
    const checks = checkTargets(m(0.3, 0.5), [run]);
    const by = (name: string) => checks.find((c) => c.target === name || c.target === `file: ${name}`)!;
    expect(checks.filter((c) => c.target === 'trivial statement').map((c) => [c.met, c.factor])).toEqual([[true, 0.3 / 0.35], [false, 0.5 / 0.4]]);
    expect(by('empty-database backup')).toMatchObject({ met: true, factor: 0.5 / 0.6 });
    expect(by('backup CPU per GiB vs rclone')).toMatchObject({ met: false, factor: 2, measured: 'ratio 2.00×', limit: '≤ 1.00×' });
    expect(by('backup wall vs rclone (throughput ≥ rclone)')).toMatchObject({ met: true, factor: 0.8 });
    expect(by('restore CPU per GiB vs rclone')).toMatchObject({ met: true, factor: 0.5 });
    expect(by('restore wall vs rclone (throughput ≥ rclone)')).toMatchObject({ met: false, factor: 1.5 });
    expect(by('peak RSS')).toMatchObject({ met: false, factor: 180 / 150 });
    expect(by('second backup time / full')).toMatchObject({ met: false, factor: 0.125 / 0.1 });
    expect(by('second backup vs restic\'s')).toMatchObject({ met: false, factor: 2 / 1.5 });
    expect(by('second backup bytes / new bytes').met).toBe(false);
  });

  it('leaves out the comparisons whose reference tool is missing', () => {
    const { rcloneUp, rcloneDown, resticSecond, ...alone } = run;
    void rcloneUp; void rcloneDown; void resticSecond;
    const names = checkTargets(m(0.3), [alone]).map((c) => c.target);
    expect(names.some((n) => /rclone|restic/.test(n))).toBe(false);
    expect(names).toContain('file: second backup time / full');
  });

  it('takes the run of median wall time, with the largest peak RSS of all the runs', () => {
    const runs = [{ ...m(3, 4, 100), bytes: 1 }, { ...m(9, 1, 140), bytes: 2 }, { ...m(5, 6, 90), bytes: 3 }];
    expect(median(runs)).toEqual({ wall: 5, cpu: 6, peakRssMB: 140, bytes: 3 });
    expect(median([m(2, 2, 50)])).toEqual(m(2, 2, 50));
  });
});
