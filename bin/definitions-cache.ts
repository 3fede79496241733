import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerCounts } from '../lib/domain/workflow.ts';
import { TEMPLATE_WORKERS, mapConcurrency } from '../cdk/map-concurrency.ts';
import type { WorkflowDefinitions } from '../cdk/synth-definitions.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/**
 * The synthesized state machines. Synthesizing loads aws-cdk-lib and costs about half a second (0.5–0.8 s of
 * a first backup's 2.8 s for 300 MB), so the build synthesizes them once with placeholder worker counts
 * beside the bundle (scripts/build.ts), and the CLI only writes the real counts in. Run from the sources
 * (a checkout never built, the in-process tests), they are synthesized and cached in the home instead; the key
 * hashes every source the definitions come from, the CDK version and the worker counts.
 */
const ROOT = PACKAGE_ROOT;
const SOURCES = ['cdk/synth-definitions.ts', 'cdk/map-concurrency.ts', 'lib/domain/workflow.ts', 'lib/domain/phase-registry.ts', 'lib/domain/states.ts', 'lib/domain/errors.ts', 'node_modules/aws-cdk-lib/package.json'];
/** Beside the bundle's chunks (dist/bin/…) only: a template next to the sources would not be theirs. */
export const BUILT_DEFINITIONS = new URL('../definitions.json', import.meta.url);

function cacheKey(workers: WorkerCounts): string {
  const h = createHash('sha256').update(JSON.stringify(workers));
  const workflowDir = join(ROOT, 'cdk', 'workflows');
  const files = [...SOURCES.map((f) => join(ROOT, f)), ...readdirSync(workflowDir).sort().map((f) => join(workflowDir, f))];
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 24);
}

/** The template's placeholder MaxConcurrency values replaced by the configured counts. */
export function withWorkers(template: string, workers: WorkerCounts): WorkflowDefinitions {
  const counts = new Map<number, number>([[TEMPLATE_WORKERS.upload, mapConcurrency(workers.upload)], [TEMPLATE_WORKERS.download, mapConcurrency(workers.download)]]);
  return JSON.parse(template, (key, value: unknown) => (key === 'MaxConcurrency' && typeof value === 'number' ? (counts.get(value) ?? value) : value)) as WorkflowDefinitions;
}

export async function cachedDefinitions(home: string, workers: WorkerCounts): Promise<WorkflowDefinitions> {
  if (BUILT_DEFINITIONS.pathname.includes('/dist/') && existsSync(BUILT_DEFINITIONS)) return withWorkers(readFileSync(BUILT_DEFINITIONS, 'utf8'), workers);
  const dir = join(home, 'cache');
  const file = join(dir, `asl-${cacheKey(workers)}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as WorkflowDefinitions;
  } catch {
    // Not cached yet (or unreadable): synthesize and keep it.
  }
  const definitions = (await import('../cdk/synth-definitions.ts')).synthesizeDefinitions({ workers });
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(definitions));
  renameSync(tmp, file);
  return definitions;
}
