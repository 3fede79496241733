import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILD_META, BUILT_CLI } from '../support/built-cli.ts';
import { runCli } from '../support/run-process.ts';
import { s3rverProperties } from '../support/s3-test-store.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('built-cli');

/**
 * Given to the child with --import: prints every module the process resolves, as `loaded <url or path>` on
 * stderr, both the ES modules (a loader hook) and what CommonJS packages require (Node 20's hooks do not
 * see those): what the CLI loads is then asserted, not timed.
 */
const TRACE = `data:text/javascript,${encodeURIComponent(`
import Module, { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  process._rawDebug('loaded ' + resolved.url);
  return resolved;
}\`));
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const found = resolveFilename.apply(this, args);
  process._rawDebug('loaded ' + found);
  return found;
};`)}`;

/** The packages of `npm ls` a statement must not load unless it uses them (npm package folder names). */
const LAZY = ['tsx', 'typescript', '@aws-sdk/client-s3', '@aws-sdk/client-kms', '@aws-sdk/client-sfn', '@google-cloud/storage', 'undici', 'aws-cdk-lib', 'asl-validator', 'aws-local-stepfunctions', '@aws-lambda-powertools/logger'];

async function tracedCli(args: string[]): Promise<{ status: number | null; stdout: string; loaded: string[] }> {
  const r = await runCli(args, { env: { ...process.env, NODE_OPTIONS: `--import=${TRACE}` } });
  const loaded = r.stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length));
  return { status: r.status, stdout: r.stdout, loaded };
}

/** The package a module path belongs to: the folder after its last node_modules (nested copies too). */
const packageOf = (path: string): string[] => [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!).slice(-1);

/**
 * The packages a process loaded: those it resolved from node_modules, and those bundled into the dist/ chunks
 * it loaded, read from esbuild's metafile (a chunk holds the modules of every package it was built from).
 */
function packagesIn(urls: string[]): Set<string> {
  const meta = JSON.parse(readFileSync(BUILD_META, 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const root = join(BUILT_CLI, '..', '..', '..');
  return new Set(urls.flatMap((u) => {
    const chunk = u.startsWith('file:') ? meta.outputs[relative(root, fileURLToPath(u))] : undefined;
    return chunk ? Object.keys(chunk.inputs).flatMap(packageOf) : packageOf(u);
  }));
}

describe('the package\'s bin runs the built JavaScript', () => {
  it('finds dist/ built (npm run build, which npm ci runs as prepare) and runs a statement without tsx', async () => {
    expect(existsSync(BUILT_CLI)).toBe(true);
    const home = await temp.make();
    const r = await tracedCli(['sql', '--home', home, 'SHOW DATABASES']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Empty set');
    expect(r.loaded.some((u) => u.endsWith('/dist/bin/cli.js'))).toBe(true);
    expect(r.loaded.filter((u) => u.endsWith('.ts'))).toEqual([]);
    const packages = packagesIn(r.loaded);
    expect(LAZY.filter((p) => packages.has(p))).toEqual([]);
    // The embedded store is what a statement does need: bundled (scripts/dynalite-bundle-plugin.ts), only
    // classic-level's native addon comes from node_modules.
    expect(packages.has('dynalite')).toBe(true);
    expect([...new Set(r.loaded.filter((u) => u.includes('/node_modules/')).flatMap(packageOf))].sort()).toEqual(['classic-level', 'node-gyp-build']);
  });

  it('loads the state-machine runner for the first BACKUP of a new home, and no cloud SDK or CDK (the build ships the definitions)', async () => {
    const dir = await temp.make();
    const home = join(dir, 'home');
    await mkdir(join(dir, 'repo'));
    const setup = await runCli(['sql', '--home', home, `CREATE DATABASE d; CREATE REPOSITORY r WITH BROKER ON LOCATION 'file://${dir}/repo'`]);
    expect(setup.stderr).not.toMatch(/ERROR/);
    const r = await tracedCli(['sql', '--home', home, '--json', 'BACKUP DATABASE d SNAPSHOT s1 TO r']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].rows[0][2]).toBe('FINISHED');
    const packages = packagesIn(r.loaded);
    expect(packages.has('aws-local-stepfunctions')).toBe(true);
    // aws-local-stepfunctions imports asl-validator and the Lambda client itself, whatever its options say.
    const runner = ['aws-local-stepfunctions', 'asl-validator'];
    expect(LAZY.filter((p) => !runner.includes(p) && packages.has(p))).toEqual([]);
  });

  it('loads the S3 client for a BACKUP to S3, and not undici (only GCS and WebHDFS use it)', async () => {
    const home = join(await temp.make(), 'home');
    const props = Object.entries(s3rverProperties({ 'aws.s3.enable_path_style_access': 'true', 'aws.s3.region': 'us-east-1' })).map(([k, v]) => `"${k}" = "${v}"`).join(', ');
    const setup = await runCli(['sql', '--home', home, `CREATE DATABASE d; CREATE REPOSITORY r WITH BROKER ON LOCATION 's3a://bucket_s3/built-cli-${Date.now()}' PROPERTIES (${props})`]);
    expect(setup.stderr).not.toMatch(/ERROR/);
    const r = await tracedCli(['sql', '--home', home, '--json', 'BACKUP DATABASE d SNAPSHOT s1 TO r']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].rows[0][2]).toBe('FINISHED');
    const packages = packagesIn(r.loaded);
    expect(packages.has('@aws-sdk/client-s3')).toBe(true);
    expect(packages.has('undici')).toBe(false);
  });
});
