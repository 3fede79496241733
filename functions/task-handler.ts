import type { Context } from 'aws-lambda';
import type { ServiceContext } from '../lib/jobs/service-context.ts';

export type Handler<I, O> = (event: I, context?: Context) => Promise<O>;

export interface TaskDefinition<I, O> {
  /**
   * The Lambda entry point: context from the environment, built once per cold start, instrumented with
   * Powertools; a failure leaves it with its stable name and no stack (instrument.ts boundaryError).
   */
  handler: Handler<I, O>;
  /** The same handler over a given context: how the embedded runtime binds it (several homes per process). */
  bind(ctx: ServiceContext): Handler<I, O>;
}

/**
 * One workflow phase as a handler: the input is the Task's Parameters, the result its output. `name` is what
 * logs and metrics call it (a minified bundle renames functions, so the phases pass their registry name).
 */
export function defineTask<I, O>(phase: (ctx: ServiceContext, input: I) => Promise<O>, name = phase.name): TaskDefinition<I, O> {
  const over = (get: () => Promise<ServiceContext>): Handler<I, O> => async (event: I) => phase(await get(), event);
  // The cloud wiring (the SDK's DynamoDB, KMS and Step Functions clients) and Powertools load on the first
  // invocation only, so the embedded CLI, which binds these same tasks, never pays for them.
  const lambda = over(async () => (await import('./wiring.ts')).getContext());
  let instrumented: Promise<Handler<I, O>> | undefined;
  return {
    handler: async (event: I, context?: Context) => {
      instrumented ??= import('./instrument.ts').then(({ instrument }) => instrument(name, lambda) as Handler<I, O>);
      return (await instrumented)(event, context);
    },
    bind: (ctx) => over(async () => ctx),
  };
}
