/**
 * `cdk synth` as a deployment runs it, bundling included: the template and one asset folder per function,
 * each holding the esbuild bundle Lambda would unpack. Run once per test run by the cloud global setup
 * (esbuild over every entry point takes tens of seconds on a busy machine); test files load the result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../../cdk/create-app.ts';
import type { CfnTemplate } from './cloud-template.ts';

export interface SynthesizedCloud {
  stackName: string;
  template: CfnTemplate;
  /** Asset folder of each function, by logical id. */
  assets: Map<string, string>;
}

/** Where the synthesized stack is: what the global setup hands to the test files. */
export interface CloudAssembly {
  outdir: string;
  stackName: string;
  templateFile: string;
}

export function synthesizeCloud(outdir: string, context: Record<string, unknown>): CloudAssembly {
  const { app, stack } = createApp({ outdir, context, analyticsReporting: false, stackTraces: false }, { nag: false });
  const artifact = app.synth().getStackArtifact(stack.artifactId);
  return { outdir, stackName: stack.stackName, templateFile: artifact.templateFile };
}

export function loadCloud(assembly: CloudAssembly): SynthesizedCloud {
  const template = JSON.parse(readFileSync(join(assembly.outdir, assembly.templateFile), 'utf8')) as CfnTemplate;
  const assets = new Map<string, string>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const key = (r.Properties?.['Code'] as { S3Key?: string } | undefined)?.S3Key;
    const folder = key && join(assembly.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    if (!folder || !existsSync(join(folder, 'index.mjs'))) throw new Error(`no bundle for function ${id} (code ${JSON.stringify(r.Properties?.['Code'])})`);
    assets.set(id, folder);
  }
  return { stackName: assembly.stackName, template, assets };
}
