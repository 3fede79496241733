/**
 * The planning benchmark, in a process of its own: `node --import tsx bench/plan-scale.ts <dir> <segments>`.
 * Builds a synthetic catalog of that many segments, runs a BACKUP through the real state machine up to the
 * end of planning (SNAPSHOTING and UPLOAD_SNAPSHOT), then cancels it, and prints as JSON how long each
 * planning step took, the largest state payload any Task received or returned, and the peak RSS.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbedded } from '../bin/embedded-runtime.ts';
import { runScript } from '../bin/run-script.ts';
import { listAll } from '../lib/ports/object-io.ts';
import { createSyntheticCatalog } from './synthetic-catalog.ts';

export interface PlanResult {
  segments: number;
  tables: number;
  snapshotingSeconds: number;
  uploadSnapshotSeconds: number;
  planSeconds: number;
  batches: number;
  maxPayloadBytes: number;
  maxPayloadState: string;
  jobState: string;
  /** Objects left in the cluster's staging area once the cancelled job ended: 0 when it cleaned up. */
  stagingLeft: number;
  maxRssMB: number;
}

export async function measurePlanning(dir: string, wanted: number): Promise<PlanResult> {
  const seconds: Record<string, number> = {};
  let maxPayloadBytes = 0, maxPayloadState = '', batches = 0;
  const note = (state: string, value: unknown) => {
    const size = Buffer.byteLength(JSON.stringify(value ?? null));
    if (size > maxPayloadBytes) [maxPayloadBytes, maxPayloadState] = [size, state];
  };
  const embedded = await openEmbedded(join(dir, 'home'), {
    wrapHandlers: (_workflow, state, handler) => async (input) => {
      note(state, input);
      const started = performance.now();
      const output = await handler(input);
      seconds[state] = (seconds[state] ?? 0) + (performance.now() - started) / 1000;
      note(state, output);
      if (state === 'UPLOAD_SNAPSHOT') {
        batches = (output as { batches: unknown[] }).batches.length;
        // The segments are made up: stop the job here, through the cancel path a user would take.
        await runScript(embedded.ctx, 'CANCEL BACKUP FROM plan_db');
      }
      return output;
    },
  });
  try {
    const made = await createSyntheticCatalog(embedded.ctx, 'plan_db', wanted);
    mkdirSync(join(dir, 'repo'), { recursive: true });
    const out = await runScript(embedded.ctx, `CREATE REPOSITORY plan_repo WITH BROKER ON LOCATION "file://${join(dir, 'repo')}";
      BACKUP DATABASE plan_db SNAPSHOT plan_snap TO plan_repo`);
    // The backup is meant to end cancelled; any other error is a failure of the benchmark.
    const failed = out.find((o) => o.error && !/user cancelled/.test(o.error.message));
    if (failed) throw new Error(failed.error!.message);
    const show = (await runScript(embedded.ctx, 'SHOW BACKUP FROM plan_db'))[0]!.result!;
    const jobState = String(show.rows[0]![show.columns.indexOf('State')]);
    const snapshotingSeconds = seconds.SNAPSHOTING ?? 0, uploadSnapshotSeconds = seconds.UPLOAD_SNAPSHOT ?? 0;
    return {
      ...made, snapshotingSeconds, uploadSnapshotSeconds, planSeconds: snapshotingSeconds + uploadSnapshotSeconds,
      batches, maxPayloadBytes, maxPayloadState, jobState,
      stagingLeft: (await listAll(embedded.ctx.data, 'staging/')).length, maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await embedded.close();
  }
}

if (import.meta.filename === process.argv[1]) {
  const [dir, segments] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await measurePlanning(dir!, Number(segments)))}\n`);
}
