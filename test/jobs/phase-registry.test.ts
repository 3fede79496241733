import { describe, expect, it } from 'vitest';
import { PHASE_NAMES, PHASES, type PhaseRegistry, phasesOf, workflowChain } from '../../lib/domain/phase-registry.ts';
import { JobType, stateRank } from '../../lib/domain/states.ts';
import { BackupTask, FlowState, RestoreTask } from '../../lib/domain/workflow.ts';

describe('the phase registry', () => {
  it('derives each workflow\'s Task names, in chain order', () => {
    expect(BackupTask).toEqual({ PENDING: 'PENDING', SNAPSHOTING: 'SNAPSHOTING', UPLOAD_SNAPSHOT: 'UPLOAD_SNAPSHOT', UPLOAD_BATCH: 'UPLOAD_BATCH', SAVE_META: 'SAVE_META', UPLOAD_INFO: 'UPLOAD_INFO', CANCEL: 'CANCEL' });
    expect(Object.values(BackupTask)).toEqual(['PENDING', 'SNAPSHOTING', 'UPLOAD_SNAPSHOT', 'UPLOAD_BATCH', 'SAVE_META', 'UPLOAD_INFO', 'CANCEL']);
    expect(Object.values(RestoreTask)).toEqual(['PENDING', 'SNAPSHOTING', 'DOWNLOAD', 'DOWNLOAD_BATCH', 'COMMIT', 'COMMITTING', 'CANCEL']);
    expect(phasesOf(JobType.BACKUP).filter((p) => phasesOf(JobType.RESTORE).includes(p as never))).toEqual(['cancelJob']);
  });

  it.each([
    [JobType.BACKUP, FlowState.UPLOADING],
    [JobType.RESTORE, FlowState.DOWNLOADING],
  ] as const)('lays %s out as a chain whose states only move forward, to FINISHED, with the batch in %s', (workflow, map) => {
    const { start, body, cancel } = workflowChain(workflow);
    const chain = [start, ...body].map((p) => PHASES[p]);
    expect(chain[0]!.enters).toBe('PENDING');
    for (const [i, phase] of chain.entries()) {
      expect(stateRank(workflow, phase.enters!), phase.task).toBeLessThanOrEqual(stateRank(workflow, phase.leavesTo));
      const next = chain[i + 1];
      if (next) expect(stateRank(workflow, phase.leavesTo), `${phase.task} -> ${next.task}`).toBeLessThanOrEqual(stateRank(workflow, next.enters!));
    }
    expect(chain.at(-1)!.leavesTo).toBe('FINISHED');
    const batch = chain.find((p) => p.role === 'batch')!;
    expect([batch.enters, batch.leavesTo]).toEqual([map, map]);
    expect(PHASES[cancel]).toMatchObject({ task: 'CANCEL', enters: null, leavesTo: 'CANCELLED' });
  });

  it('declares the sealing key wherever a phase opens a repository: openRepository unseals its credentials', () => {
    for (const name of PHASE_NAMES) if (PHASES[name].repositories !== 'none') expect(PHASES[name].sealer, name).not.toBe('none');
  });

  it('refuses a registry whose phases make no chain', () => {
    const copy = (change: Partial<Record<keyof typeof PHASES, object>>): PhaseRegistry =>
      Object.fromEntries(PHASE_NAMES.map((p) => [p, { ...PHASES[p], ...change[p] }])) as unknown as PhaseRegistry;
    expect(() => workflowChain(JobType.BACKUP, copy({ backupPending: { role: 'step' } }))).toThrow('The BACKUP phases in lib/domain/phase-registry.ts do not begin with a start phase');
    expect(() => workflowChain(JobType.RESTORE, copy({ restoreCommit: { role: 'cancel' } }))).toThrow('have 2 cancel phases, not one');
    expect(() => workflowChain(JobType.BACKUP, copy({ uploadBatch: { role: 'step' } }))).toThrow('have plan uploadSnapshot without a batch after it');
    expect(() => workflowChain(JobType.BACKUP, copy({ uploadSnapshot: { role: 'step' } }))).toThrow('have batch uploadBatch without a plan before it');
    expect(() => workflowChain(JobType.RESTORE, copy({ restoreCommit: { task: 'COMMITTING' } }))).toThrow('name a Task twice');
    expect(() => workflowChain(JobType.BACKUP, copy({ saveMeta: { role: 'start' } }))).toThrow('have more than one start phase');
  });
});
