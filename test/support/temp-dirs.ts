import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary folders for one test file, removed after its last test. Call at the top of a file or a
 * describe block; `make()` may then be used from any test or hook.
 */
export function useTempDirs(label = 'starbackup'): { make(): Promise<string> } {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return {
    async make() {
      const dir = await mkdtemp(path.join(tmpdir(), `${label}-`));
      dirs.push(dir);
      return dir;
    },
  };
}
