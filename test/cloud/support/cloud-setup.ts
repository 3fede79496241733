/**
 * Global setup of `npm run test:cloud`: synthesizes the stack once, with bundling, into a temp folder
 * that every cloud test file loads (see synth-cloud.ts), and removes it at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CLOUD_CONTEXT } from './cloud-context.ts';
import { type CloudAssembly, synthesizeCloud } from './synth-cloud.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cloudAssembly: CloudAssembly;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outdir = await mkdtemp(join(tmpdir(), 'starbackup-cloud-'));
  project.provide('cloudAssembly', synthesizeCloud(outdir, CLOUD_CONTEXT));
  return () => rm(outdir, { recursive: true, force: true });
}
