import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => { process.env['POWERTOOLS_LOG_LEVEL'] = 'SILENT'; process.env['POWERTOOLS_METRICS_DISABLED'] = 'true'; });
const { instrument, logger } = await import('../../functions/instrument.ts');

describe('instrument (Powertools around a handler)', () => {
  it('passes results through, keeps a failure\'s name and message, and logs it by name without the event', async () => {
    const errors: unknown[] = [];
    const spy = vi.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => { errors.push(args); });
    const ok = instrument('t', async (e: { jobId: string }) => ({ seen: e.jobId }));
    expect(await ok({ jobId: 'j1' })).toEqual({ seen: 'j1' });
    const failure = Object.assign(new Error('Unknown database \'d\''), { name: 'NotFoundError' });
    const bad = instrument('t', async (_e: { sql: string }) => { throw failure; });
    // Not the same object: what leaves the function has no stack (see lambda-errors.test.ts).
    await expect(bad({ sql: 'CREATE REPOSITORY r … "secret_key" = "s3cr3t"' })).rejects.toMatchObject({ name: 'NotFoundError', message: "Unknown database 'd'" });
    expect(errors).toEqual([['handler failed', { errorName: 'NotFoundError', errorMessage: "Unknown database 'd'" }]]);
    expect(JSON.stringify(errors)).not.toContain('s3cr3t');
    spy.mockRestore();
  });
});
