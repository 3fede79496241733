import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package's folder, whether this file runs as TypeScript from bin/ (a development checkout) or as
 * JavaScript built into dist/bin/: files that stay at the package's top (package.json, the TypeScript
 * sources the definitions cache hashes, node_modules) are found from here.
 */
function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(join(import.meta.dirname, '..'));
