/**
 * `--files-csv-mb N`: INSERT … SELECT * FROM FILES() of a generated N MB CSV into a fresh home, timed
 * around the whole process (start-up included), with that process's peak RSS. Issue 16 asks ≥ 50 MB/s on
 * 1 GiB and an RSS that does not grow with the file.
 */
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cliOp } from './cli-op.ts';

export interface FilesCsvResult { fileMB: number; rows: number; seconds: number; cpuSeconds: number; mbps: number; maxRssMB: number }

function writeCsv(file: string, mb: number): number {
  const fd = openSync(file, 'w');
  let bytes = 0, i = 0;
  try {
    while (bytes < mb * 1024 * 1024) {
      let chunk = '';
      for (let k = 0; k < 10_000; k++, i++) {
        chunk += `${i},2024-0${(i % 9) + 1}-${String((i % 28) + 1).padStart(2, '0')},customer-${i % 99_991},${(i * 7) % 100_000}.${i % 100},"note, with comma ${i % 1000}"\n`;
      }
      bytes += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return i;
}

export function filesCsvBench(root: string, mb: number): FilesCsvResult {
  const home = join(root, 'files-csv-home');
  mkdirSync(home, { recursive: true });
  const file = join(root, 'load.csv');
  const rows = writeCsv(file, mb);
  const run = (sql: string) => cliOp(home, sql);
  run('CREATE DATABASE d; CREATE TABLE d.t (k BIGINT, dt DATE, customer VARCHAR(64), amount DECIMAL(10,2), note VARCHAR(64)) DISTRIBUTED BY HASH (k) BUCKETS 4');
  const load = run(`INSERT INTO d.t SELECT * FROM FILES("path" = "file://${file}", "format" = "csv", "csv.column_separator" = ",", "csv.enclose" = '"')`);
  const fileMB = statSync(file).size / 1024 / 1024;
  return { fileMB, rows, seconds: load.wall, cpuSeconds: load.cpu, mbps: fileMB / load.wall, maxRssMB: load.peakRssMB };
}
