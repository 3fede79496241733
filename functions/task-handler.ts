import type { ServiceContext } from '../lib/phases/context.ts';
import { getContext } from './wiring.ts';

export type Handler<I, O> = (event: I) => Promise<O>;

export interface TaskDefinition<I, O> {
  /** The Lambda entry point: context from the environment, built once per cold start. */
  handler: Handler<I, O>;
  /** The same handler over a given context: how the embedded runtime binds it (several homes per process). */
  bind(ctx: ServiceContext): Handler<I, O>;
}

/** One workflow phase as a handler: the input is the Task's Parameters, the result its output. */
export function defineTask<I, O>(phase: (ctx: ServiceContext, input: I) => Promise<O>): TaskDefinition<I, O> {
  const over = (get: () => Promise<ServiceContext>): Handler<I, O> => async (event: I) => phase(await get(), event);
  return { handler: over(getContext), bind: (ctx) => over(async () => ctx) };
}
