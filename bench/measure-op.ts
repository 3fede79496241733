/**
 * Runs one SQL script against a home in a fresh process and prints what it cost as JSON, so the peak
 * RSS of a backup or restore is its own, not the dataset generator's.
 */
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { runScript } from '../bin/run-script.ts';

const [home, sql] = process.argv.slice(2);
const started = performance.now();
const embedded = await openEmbedded(home!);
const outcomes = await runScript(embedded.ctx, sql!);
await embedded.close();
const seconds = (performance.now() - started) / 1000;
const failed = outcomes.find((o) => o.error);
process.stdout.write(`${JSON.stringify({
  seconds,
  // The statement alone: the job, without process start and opening the home.
  statementSeconds: outcomes.at(-1)?.seconds ?? seconds,
  maxRssMB: process.resourceUsage().maxRSS / 1024,
  // The whole process's CPU, start-up included (user + system).
  cpuSeconds: (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) / 1e6,
  error: failed?.error?.message,
  rows: outcomes.at(-1)?.result?.rows ?? [],
})}\n`);
