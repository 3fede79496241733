/**
 * `npm run build` (and `prepare`, which `npm ci` runs): bundles the CLI (bin/cli.ts and everything it imports,
 * the AWS SDK included) into dist/bin/ with esbuild, the JavaScript bin/starbackup.js runs. One bundle with
 * split chunks rather than a file per module: resolving and reading the SDK's hundreds of small modules was
 * most of a trivial statement's start-up (0.46 s wall, 0.57 CPU-s; bundled 0.33 s, 0.35 CPU-s). What a
 * statement does not use sits in chunks loaded by its dynamic import, as before. Skipped when dist/ is newer
 * than every source; `--force` builds anyway. Type checking stays with `tsc --noEmit` (npm test).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { TEMPLATE_WORKERS } from '../cdk/map-concurrency.ts';
import { dynaliteBundlePlugin } from './dynalite-bundle-plugin.ts';
import { runnerStubsPlugin } from './runner-stubs-plugin.ts';

const ROOT = join(import.meta.dirname, '..');
/** The folders the bundle is built from, and the files that shape it. */
const SOURCES = ['bin', 'lib', 'functions', 'cdk'];
const CONFIGS = ['tsconfig.json', 'package.json', 'package-lock.json', 'scripts/build.ts', 'scripts/runner-stubs-plugin.ts', 'scripts/dynalite-bundle-plugin.ts'];
const DIST = join(ROOT, 'dist');
/** Written after each build: a source newer than it is not in dist/ yet. */
const BUILD_STAMP = join(DIST, '.build-stamp');
/** What bin/starbackup.js runs when it exists. */
export const BUILT_CLI = join(DIST, 'bin', 'cli.js');
/** esbuild's metafile: which sources and packages each chunk holds (test/cli/built-cli.test.ts reads it). */
export const BUILD_META = join(DIST, 'meta.json');
/** The state machines with placeholder worker counts, where bin/definitions-cache.ts looks for them. */
export const BUILT_DEFINITIONS = join(DIST, 'definitions.json');

/**
 * Left to Node's resolution from node_modules: native addons (zstd; classic-level's own addon is required
 * from there by dynalite-bundle-plugin.ts, its JavaScript is bundled), packages that read their own files at
 * run time (aws-cdk-lib, GCS), and the development-only TypeScript loader.
 */
const EXTERNAL = ['@mongodb-js/zstd', 'aws-cdk-lib', 'constructs', '@google-cloud/storage', 'tsx', 'typescript'];

function newestSource(): number {
  let newest = Math.max(...CONFIGS.map((f) => statSync(join(ROOT, f)).mtimeMs));
  for (const dir of SOURCES) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

export function isBuilt(): boolean {
  return existsSync(BUILT_CLI) && existsSync(BUILD_STAMP) && statSync(BUILD_STAMP).mtimeMs >= newestSource();
}

/** Builds dist/ unless it is up to date (or `force`), saying so on `log`; whether it built. */
export async function build(log: (line: string) => void, force = false): Promise<boolean> {
  if (!force && isBuilt()) return false;
  log('building dist/ (esbuild bundle of bin/cli.ts)');
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const result = await esbuild({
    absWorkingDir: ROOT,
    // The CLI, and the code of a parallel FILES() load's threads, which csv-pool.ts finds beside its chunk.
    entryPoints: [{ in: join(ROOT, 'bin', 'cli.ts'), out: 'cli' }, { in: join(ROOT, 'lib', 'cluster', 'csv-block-worker.ts'), out: 'csv-block-worker' }, { in: join(ROOT, 'lib', 'adapters', 'storage', 'file', 'file-copy-worker.ts'), out: 'file-copy-worker' }], outdir: join(DIST, 'bin'), bundle: true, splitting: true,
    format: 'esm', platform: 'node', target: 'node20', sourcemap: true, minifyWhitespace: true, minifySyntax: true, metafile: true, logLevel: 'warning',
    // Whitespace and syntax minified (names kept: errors and classes are named): parsing the chunks a
    // statement loads is a good part of its start-up.
    // The SDK's ES module builds where a package has them: smaller than the CommonJS ones and no interop.
    mainFields: ['module', 'main'], external: EXTERNAL, plugins: [runnerStubsPlugin, dynaliteBundlePlugin],
    // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __sbCreateRequire } from 'node:module'; const require = __sbCreateRequire(import.meta.url);" },
  });
  writeFileSync(BUILD_META, JSON.stringify(result.metafile));
  // The state machines, synthesized once here so the CLI never loads aws-cdk-lib (bin/definitions-cache.ts).
  const { synthesizeDefinitions } = await import('../cdk/synth-definitions.ts');
  writeFileSync(BUILT_DEFINITIONS, JSON.stringify(synthesizeDefinitions({ workers: TEMPLATE_WORKERS })));
  writeFileSync(BUILD_STAMP, `${new Date(started).toISOString()}\n`);
  // Dated when the build started, so a source saved during the build is still newer than the stamp.
  utimesSync(BUILD_STAMP, started / 1000, started / 1000);
  return true;
}

if (process.argv[1] === import.meta.filename && !(await build((line) => console.log(line), process.argv.includes('--force')))) {
  console.log('dist/ is up to date (npm run build -- --force builds anyway)');
}
