/**
 * `npm run build` (and `prepare`, which `npm ci` runs): compiles bin/, lib/, functions/ and cdk/ into dist/
 * (tsconfig.build.json), the JavaScript bin/starbackup.js runs. Skipped when dist/ is newer than every
 * source: a build parses aws-cdk-lib's types (15-20 CPU-s) even when nothing changed, and npm runs
 * `prepare` again when `npx starbackup` first links the package. `--force` builds anyway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
/** The folders tsconfig.build.json compiles, and the files that shape its output. */
const SOURCES = ['bin', 'lib', 'functions', 'cdk'];
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];
/** Written after each build: a source newer than it is not in dist/ yet. */
const BUILD_STAMP = join(ROOT, 'dist', '.build-stamp');
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

export function isBuilt(): boolean {
  return existsSync(BUILT_CLI) && existsSync(BUILD_STAMP) && statSync(BUILD_STAMP).mtimeMs >= newestSource();
}

/** Builds dist/ unless it is up to date (or `force`), saying so on `log`; whether it built. */
export function build(log: (line: string) => void, force = false): boolean {
  if (!force && isBuilt()) return false;
  log('building dist/ (tsc -p tsconfig.build.json)');
  const started = Date.now();
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(BUILD_STAMP, `${new Date(started).toISOString()}\n`);
  // Dated when the build started, so a source saved during the build is still newer than the stamp.
  utimesSync(BUILD_STAMP, started / 1000, started / 1000);
  return true;
}

if (process.argv[1] === import.meta.filename && !build((line) => console.log(line), process.argv.includes('--force'))) {
  console.log('dist/ is up to date (npm run build -- --force builds anyway)');
}
