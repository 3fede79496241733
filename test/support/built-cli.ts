import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
/** The folders tsconfig.build.json compiles, and the configs that shape its output. */
const SOURCES = ['bin', 'lib', 'functions', 'cdk'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
/** Written after each build: the sources newer than it are what the built CLI does not hold yet. */
export const BUILD_STAMP = join(ROOT, 'dist', '.build-stamp');
/** What bin/starbackup.js runs when it exists. */
export const BUILT_CLI = join(ROOT, 'dist', 'bin', 'cli.js');

function newestSource(): number {
  let newest = Math.max(...CONFIGS.map((f) => statSync(join(ROOT, f)).mtimeMs));
  for (const dir of SOURCES) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds dist/ (`npm run build`, what `npm ci` runs through `prepare`) unless it is newer than every
 * source, so the tests that spawn bin/starbackup.js run the JavaScript users run, built from the sources
 * under test. A build parses aws-cdk-lib's types (about 20 CPU-s), hence the check.
 */
export function ensureBuilt(log: (line: string) => void): void {
  if (existsSync(BUILT_CLI) && existsSync(BUILD_STAMP) && statSync(BUILD_STAMP).mtimeMs >= newestSource()) return;
  log('building dist/ (npm run build): sources changed since the last build');
  const started = Date.now();
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(BUILD_STAMP, `${new Date(started).toISOString()}\n`);
}
