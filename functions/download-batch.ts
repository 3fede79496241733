import { phaseHandler } from './phase-handlers.ts';

/** Lambda's entry point of the downloadBatch phase (lib/domain/phase-registry.ts), bundled on its own. */
export const handler = phaseHandler('downloadBatch');
