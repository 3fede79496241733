import { BUILD_META, BUILT_CLI, build } from '../../scripts/build.ts';

export { BUILD_META, BUILT_CLI };

/**
 * Builds dist/ unless it is newer than every source (scripts/build.ts, `npm run build`), so the tests that
 * spawn bin/starbackup.js run the JavaScript users run, built from the sources under test.
 */
export async function ensureBuilt(log: (line: string) => void): Promise<void> {
  await build(log);
}
