import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { StarbackupFunction } from '../../cdk/starbackup-function.ts';
import { SYNTH_TIMEOUT_MS } from './synth-stack.ts';

/**
 * The zstd binding is native: a Lambda (arm64) bundle must import it from node_modules and carry the
 * linux-arm64-gnu binary, whatever machine bundles. This one test bundles for real (esbuild, then npm
 * installing the package from package-lock.json, from npm's cache or the registry) one batch function.
 */
const out = mkdtempSync(join(tmpdir(), 'native-bundling-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bundling a function that compresses', () => {
  it('keeps @mongodb-js/zstd external and installs its arm64 binary into the asset', () => {
    const app = new App({ outdir: out });
    const stack = new Stack(app, 'Bundled');
    new StarbackupFunction(stack, 'Upload', { entry: 'upload-batch', size: 'batch', description: 'UPLOADING', environment: {}, removalPolicy: RemovalPolicy.DESTROY });
    app.synth();
    const asset = readdirSync(out).map((d) => join(out, d)).find((d) => existsSync(join(d, 'index.mjs')))!;
    expect(readFileSync(join(asset, 'index.mjs'), 'utf8')).toContain('import("@mongodb-js/zstd")');
    const modules = join(asset, 'node_modules', '@mongodb-js');
    expect(readdirSync(modules).sort()).toEqual(['zstd', 'zstd-linux-arm64-gnu']);
    const binary = readFileSync(join(modules, 'zstd-linux-arm64-gnu', 'zstd.linux-arm64-gnu.node'));
    // ELF, 64-bit, machine EM_AARCH64 (183): the binary Lambda's arm64 runtime loads.
    expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binary.readUInt16LE(18)).toBe(183);
  }, SYNTH_TIMEOUT_MS);
});
