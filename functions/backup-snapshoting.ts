import { phaseHandler } from './phase-handlers.ts';

/** Lambda's entry point of the backupSnapshoting phase (lib/domain/phase-registry.ts), bundled on its own. */
export const handler = phaseHandler('backupSnapshoting');
