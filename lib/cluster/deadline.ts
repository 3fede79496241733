import { DeadlineExceededError } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';

/**
 * When a request must have answered by, in ctx.clock time. The HTTP API in Lambda sets one (API Gateway
 * gives up after 30 s and the function is killed with it); the CLI and `serve` set none.
 */
export interface Deadline {
  /** When the request started, for the message. */
  start: number;
  /** After this no new piece of work starts: what is left of the time goes to undoing and answering. */
  at: number;
  /** Why there is a deadline, e.g. "the HTTP API answers within API Gateway's 30 s limit". */
  why: string;
}

/** How a statement names itself when its deadline stops it: what it was, what became of it, what to do. */
export interface DeadlineScope {
  what: string;
  outcome: string;
  advice: string;
}

export interface DeadlineContext {
  clock: Clock;
  deadline?: Deadline;
}

function deadlinePassed(ctx: DeadlineContext): boolean {
  return ctx.deadline !== undefined && ctx.clock.now() >= ctx.deadline.at;
}

/** Throws DeadlineExceededError once the request's deadline has passed; does nothing without one. */
export function checkDeadline(ctx: DeadlineContext, scope: DeadlineScope): void {
  const d = ctx.deadline;
  if (!d || !deadlinePassed(ctx)) return;
  const seconds = Math.max(0, Math.round((ctx.clock.now() - d.start) / 1000));
  throw new DeadlineExceededError(`${scope.what} stopped after ${seconds} s: ${d.why}. ${scope.outcome}; ${scope.advice}.`);
}

/** A load stopped by the deadline publishes nothing and removes the segments it wrote. */
const ROLLED_BACK = 'Nothing was loaded: the rows it had written were removed';

export const LoadScope = {
  FILES: { what: 'INSERT … FROM FILES()', outcome: ROLLED_BACK, advice: 'load the file in parts, several smaller files with one INSERT per request' },
  VALUES: { what: 'INSERT', outcome: ROLLED_BACK, advice: 'insert the rows in parts, fewer rows per INSERT and one INSERT per request' },
  /** Loads that do not say which statement they serve (REFRESH MATERIALIZED VIEW). */
  ANY: { what: 'The load', outcome: ROLLED_BACK, advice: 'it moves more rows than one request can' },
} as const satisfies Record<string, DeadlineScope>;
