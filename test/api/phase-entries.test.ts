import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PHASE_NAMES, PHASES } from '../../lib/domain/phase-registry.ts';
import { PHASE_HANDLERS, phaseHandler } from '../../functions/phase-handlers.ts';

/** The files of functions/ that are not a phase's entry: other functions' entries and shared code. */
const NOT_PHASES = ['api', 'scheduled-backup', 'recover-jobs', 'instrument', 'task-handler', 'wiring', 'phase-handlers'];

const files = () => readdirSync(new URL('../../functions/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

describe('Lambda entry points of the phases', () => {
  it('functions/ holds an entry file for every registry phase, and no other file but the known non-phase ones', () => {
    const entries = PHASE_NAMES.map((p) => PHASES[p].entry);
    expect(new Set(entries).size).toBe(entries.length);
    expect(files().sort()).toEqual([...entries, ...NOT_PHASES].sort());
  });

  it.each(PHASE_NAMES)('functions/<entry>.ts of %s exports its phase handler', async (name) => {
    const mod = (await import(`../../functions/${PHASES[name].entry}.ts`)) as { handler: unknown };
    expect(mod.handler).toBe(phaseHandler(name));
  });

  it('binds every phase to an implementation named after it', () => {
    expect(Object.keys(PHASE_HANDLERS)).toEqual(PHASE_NAMES);
    for (const name of PHASE_NAMES) expect(PHASE_HANDLERS[name].name).toBe(name);
  });
});
