import type { LocalHandlers, TaskHandler } from '../lib/adapters/local-sfn/local-orchestrator.ts';
import { PHASE_NAMES, PHASES, type PhaseRegistry } from '../lib/domain/phase-registry.ts';
import type { JobTypeValue } from '../lib/domain/states.ts';
import { type UndeclaredAccessError, runScoped } from '../lib/jobs/scoped-context.ts';
import type { ServiceContext } from '../lib/jobs/service-context.ts';

/**
 * The phases' implementations (every backup and restore phase, the repository format) load when a workflow
 * first runs a Task: a statement that starts no job does not pay for them.
 */
let handlers: Promise<typeof import('../functions/phase-handlers.ts').PHASE_HANDLERS> | undefined;
const phaseHandlers = () => (handlers ??= import('../functions/phase-handlers.ts').then((m) => m.PHASE_HANDLERS));

/** Wraps one Task handler; the embedded runtime's fault-injection seam (tests) and its test hooks use it. */
export type HandlerWrapper = (workflow: JobTypeValue, state: string, handler: TaskHandler) => TaskHandler;

export function wrapBindings(bindings: LocalHandlers, wrap: HandlerWrapper): LocalHandlers {
  const each = <T extends string>(workflow: JobTypeValue, handlers: Readonly<Record<T, TaskHandler>>) =>
    Object.fromEntries(Object.entries<TaskHandler>(handlers).map(([state, h]) => [state, wrap(workflow, state, h)])) as Record<T, TaskHandler>;
  return { BACKUP: each('BACKUP', bindings.BACKUP), RESTORE: each('RESTORE', bindings.RESTORE) };
}

/**
 * Each Task state of each workflow bound, by state name, to its phase (lib/domain/phase-registry.ts), the
 * same implementation Lambda runs in the cloud (functions/phase-handlers.ts). Every invocation gets the
 * context narrowed to the phase's declared access (lib/jobs/scoped-context.ts), what its Lambda function is
 * granted: a phase that uses more fails here as it would in AWS, and `report` hears of it. `registry` is a
 * copy in tests.
 */
export function taskBindings(
  ctx: ServiceContext, registry: PhaseRegistry = PHASES, report?: (e: UndeclaredAccessError) => void,
): LocalHandlers {
  const bindings: Record<JobTypeValue, Record<string, TaskHandler>> = { BACKUP: {}, RESTORE: {} };
  for (const name of PHASE_NAMES) {
    const spec = registry[name];
    const label = `${name} (${spec.task})`;
    const handler: TaskHandler = async (input) => {
      const phase = (await phaseHandlers())[name] as (ctx: ServiceContext, input: unknown) => Promise<unknown>;
      return runScoped(ctx, label, spec, (scoped) => phase(scoped, input), report);
    };
    for (const workflow of spec.workflows) bindings[workflow][spec.task] = handler;
  }
  return bindings as unknown as LocalHandlers;
}
