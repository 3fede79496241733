/**
 * Request bodies under the listener limits: the byte budget that bodies in flight share, the reader that
 * keeps a body within it, and the queue large bodies wait in before they are parsed and run.
 */
import type { IncomingMessage } from 'node:http';
import type { ListenerLimits } from './listener-limits.ts';

/** Room taken in a BodyBudget; release is idempotent. */
export interface Reservation {
  readonly bytes: number;
  /** Grows to `bytes` (a body of unknown length arriving); false, holding what it had, when that does not fit. */
  grow(bytes: number): boolean;
  release(): void;
}

/**
 * Request bodies in flight, in two shares: small bodies are charged smallBodyBytes each to theirs, larger
 * ones their size to the large one. A request keeps its room until it is answered: what it parses into
 * lives as long as that. Refusing beats queueing: a queued body still sits in the kernel and the
 * connection, a queue needs its own bound, and the client knows best whether to wait (Retry-After).
 */
export class BodyBudget {
  private used = { small: 0, large: 0 };
  constructor(readonly limits: ListenerLimits) {}

  get inUse(): Readonly<{ small: number; large: number }> {
    return { ...this.used };
  }

  /** Room for a body of `bytes` (0 when its length is not known yet); undefined when it does not fit now. */
  reserve(bytes: number): Reservation | undefined {
    const held = { share: 'small' as 'small' | 'large', charge: 0 };
    if (!this.take(held, bytes)) return undefined;
    let released = false;
    const budget = this;
    return {
      get bytes() { return released ? 0 : held.charge; },
      grow(to: number) {
        if (released) throw new Error('grow after release');
        return budget.take(held, to);
      },
      release() {
        if (released) return;
        released = true;
        budget.used[held.share] -= held.charge;
      },
    };
  }

  /** Moves `held` to the charge of a body of `bytes`, or leaves it as it was. */
  private take(held: { share: 'small' | 'large'; charge: number }, bytes: number): boolean {
    const share = bytes <= this.limits.smallBodyBytes ? 'small' : 'large';
    const charge = share === 'small' ? this.limits.smallBodyBytes : bytes;
    const cap = share === 'small' ? this.limits.smallBudgetBytes : this.limits.bodyBudgetBytes;
    const current = held.share === share ? held.charge : 0;
    if (this.used[share] - current + charge > cap) return false;
    this.used[held.share] -= held.charge;
    this.used[share] += charge;
    held.share = share;
    held.charge = charge;
    return true;
  }
}

export type BodyResult =
  | { ok: true; body: Buffer; reservation: Reservation }
  | { ok: false; refused: 'too-large' | 'busy' | 'aborted' };

/**
 * Reads an HTTP request body within the limits: a declared length over maxBodyBytes or over the budget is
 * refused before a byte is read; a body of unknown length is charged as it arrives and refused when it
 * outgrows either. A refused body is not read further (answer it with "connection: close"). `accepted`
 * runs once the body may come (the place for "100 Continue"). On ok the caller releases the reservation
 * once the request is answered.
 */
export function readLimitedBody(req: IncomingMessage, limits: ListenerLimits, budget: BodyBudget, accepted?: () => void): Promise<BodyResult> {
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  if (declared !== undefined && declared > limits.maxBodyBytes) return Promise.resolve({ ok: false, refused: 'too-large' });
  const reservation = budget.reserve(declared ?? 0);
  if (!reservation) return Promise.resolve({ ok: false, refused: 'busy' });
  accepted?.();
  return new Promise((done) => {
    // With a known length the body is copied once into its final buffer; otherwise chunks are joined at the end.
    const whole = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      if (!result.ok) {
        req.pause();
        reservation.release();
      }
      done(result);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limits.maxBodyBytes) return finish({ ok: false, refused: 'too-large' });
      if (!whole && !reservation.grow(size + chunk.length)) return finish({ ok: false, refused: 'busy' });
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => finish({ ok: true, body: whole ? whole.subarray(0, size) : Buffer.concat(chunks, size), reservation });
    const onAbort = () => finish({ ok: false, refused: 'aborted' });
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

/**
 * Large bodies wait here, in order, before they are parsed and run. Their statements parse into many times
 * their size (measured up to 30 bytes of heap per byte of SQL), and a parse holds the event loop (about
 * 0.2 s per MiB of SQL on a loaded machine, up to 1 s for one 1 MiB statement), so at most runBudgetBytes of
 * them run at once (a larger one alone), and each starts in an event-loop turn of its own: whatever arrived
 * meanwhile (a SHOW, a CANCEL: small bodies do not wait here) runs between two parses instead of behind all.
 * Waiting rather than refusing: these bodies are already read and paid for in the body budget.
 */
export class RunQueue {
  private running = 0;
  private readonly waiting: { bytes: number; start: (done: () => void) => void }[] = [];
  private scheduled = false;

  constructor(private readonly budgetBytes: number) {}

  /** Resolves when a body of `bytes` may be parsed (synchronously, right away) and run; call the result when it is done. */
  enter(bytes: number): Promise<() => void> {
    return new Promise((start) => {
      this.waiting.push({ bytes, start });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.waiting[0]!;
      if (this.running > 0 && this.running + next.bytes > this.budgetBytes) return;
      this.waiting.shift();
      this.running += next.bytes;
      let done = false;
      next.start(() => {
        if (done) return;
        done = true;
        this.running -= next.bytes;
        this.schedule();
      });
      this.schedule();
    });
  }
}
