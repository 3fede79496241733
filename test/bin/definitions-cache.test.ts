import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedDefinitions, withWorkers } from '../../bin/definitions-cache.ts';
import { TEMPLATE_WORKERS } from '../../cdk/map-concurrency.ts';
import { BUILT_DEFINITIONS } from '../../scripts/build.ts';
import { synthesizeDefinitions } from '../../cdk/synth-definitions.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

const temp = useTempDirs('asl-cache');

describe('the embedded runtime caches the synthesized state machines in the home', () => {
  it('synthesizes once, then reads the same definitions back, keyed by the worker counts', async () => {
    const home = await temp.make();
    const workers = { upload: 3, download: 5 };
    const first = await cachedDefinitions(home, workers);
    expect(first).toEqual(synthesizeDefinitions({ workers }));
    const files = readdirSync(join(home, 'cache'));
    expect(files).toHaveLength(1);
    // A cached file is what the next command uses: prove it by marking it.
    const marked = { ...first, backup: { ...first.backup, Comment: 'from the cache' } };
    writeFileSync(join(home, 'cache', files[0]!), JSON.stringify(marked));
    expect((await cachedDefinitions(home, workers)).backup.Comment).toBe('from the cache');
    await cachedDefinitions(home, { upload: 1, download: 1 });
    expect(readdirSync(join(home, 'cache'))).toHaveLength(2);
  });

  it('ships the definitions in the build with placeholder worker counts, which become exactly what synthesis gives', () => {
    const template = readFileSync(BUILT_DEFINITIONS, 'utf8');
    expect(JSON.parse(template)).toEqual(synthesizeDefinitions({ workers: TEMPLATE_WORKERS }));
    for (const workers of [{ upload: 3, download: 5 }, { upload: 0, download: 0 }]) {
      expect(withWorkers(template, workers)).toEqual(synthesizeDefinitions({ workers }));
    }
  });
});
