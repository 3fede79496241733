import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerCounts } from '../lib/domain/workflow.ts';
import type { WorkflowDefinitions } from '../cdk/synth-definitions.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/**
 * The synthesized state machines, cached in the home. Synthesizing loads aws-cdk-lib and costs about half a
 * second, which an embedded BACKUP of an empty database should not pay on every command. The key hashes
 * every source the definitions come from, the CDK version and the worker counts, so any change re-synthesizes.
 */
const ROOT = PACKAGE_ROOT;
const SOURCES = ['cdk/synth-definitions.ts', 'lib/domain/workflow.ts', 'lib/domain/phase-registry.ts', 'lib/domain/states.ts', 'lib/domain/errors.ts', 'node_modules/aws-cdk-lib/package.json'];

function cacheKey(workers: WorkerCounts): string {
  const h = createHash('sha256').update(JSON.stringify(workers));
  const workflowDir = join(ROOT, 'cdk', 'workflows');
  const files = [...SOURCES.map((f) => join(ROOT, f)), ...readdirSync(workflowDir).sort().map((f) => join(workflowDir, f))];
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex').slice(0, 24);
}

export async function cachedDefinitions(home: string, workers: WorkerCounts): Promise<WorkflowDefinitions> {
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
