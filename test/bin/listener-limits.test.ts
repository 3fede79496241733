import { type Socket, createServer as createNetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BodyBudget, RunQueue } from '../../bin/body-budget.ts';
import { type ListenerLimits, applyNetLimits, listenerLimits } from '../../bin/listener-limits.ts';
import { openRaw as open } from '../support/raw-connection.ts';

/**
 * The listeners' limits on their own (server-limits.test.ts has them through `starbackup serve`): the
 * budget arithmetic, the run queue, and the raw TCP listener the next doors share.
 */
const KiB = 1024;

describe('the limits themselves', () => {
  it('refuse a budget that cannot hold one request of the largest size', () => {
    expect(() => listenerLimits({ maxBodyBytes: 2 * KiB, bodyBudgetBytes: KiB, smallBodyBytes: 512 })).toThrow('maxBodyBytes (2048) must not exceed bodyBudgetBytes (1024)');
    expect(() => listenerLimits({ headersTimeoutMs: 0 })).toThrow('headersTimeoutMs must be a positive integer');
  });

  it('charge small bodies to their own share and large ones by size, growing a body of unknown length', () => {
    const budget = new BodyBudget(listenerLimits({ smallBodyBytes: 10, smallBudgetBytes: 20, maxBodyBytes: 100, bodyBudgetBytes: 150, runBudgetBytes: 100 }));
    const small = [budget.reserve(1), budget.reserve(10)];
    expect(small.every(Boolean)).toBe(true);
    expect(budget.reserve(0)).toBeUndefined(); // the small share holds two
    const large = budget.reserve(100)!;
    expect(budget.reserve(60)).toBeUndefined();
    const growing = budget.reserve(50)!;
    expect(budget.inUse).toEqual({ small: 20, large: 150 });
    expect(growing.grow(51)).toBe(false); // keeps its 50
    small[0]!.release();
    const unknown = budget.reserve(0)!; // a body of unknown length starts small...
    large.release();
    expect(unknown.grow(90)).toBe(true); // ...and moves to the large share as it grows
    expect(budget.inUse).toEqual({ small: 10, large: 140 });
    unknown.release();
    unknown.release();
    expect(budget.inUse).toEqual({ small: 10, large: 50 });
  });
});

describe('the shared code for the next listeners', () => {
  it('runs large bodies in order within the run budget, one larger than it alone', async () => {
    const queue = new RunQueue(100);
    const started: string[] = [];
    const enter = (name: string, bytes: number) => queue.enter(bytes).then((done) => { started.push(name); return done; });
    const a = enter('a', 60);
    const b = enter('b', 60);
    const c = enter('c', 30); // would fit beside a, but comes after b
    const doneA = await a;
    const d = enter('d', 500);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a']);
    doneA();
    const [doneB, doneC] = await Promise.all([b, c]);
    expect(started).toEqual(['a', 'b', 'c']);
    doneB();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['a', 'b', 'c']);
    doneC();
    (await d)();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('closes a raw connection that does not finish its handshake or stays idle, never one that is busy', async () => {
    const { port, connections, close } = await rawServer({ headersTimeoutMs: 1_000, requestTimeoutMs: 1_000, idleTimeoutMs: 1_500 });
    try {
      const busy = await open(port);
      busy.socket.write('work');
      expect(await busy.until((t) => t === 'ok')).toBe(true);
      const idle = await open(port);
      idle.socket.write('hello');
      expect(await idle.until((t) => t === 'ok')).toBe(true);
      const silent = await open(port);
      await Promise.all([silent.closed, idle.closed]);
      // The busy connection went quiet before the idle one, with the same timeout: it outlived it because it is busy.
      expect(busy.socket.destroyed).toBe(false);
      connections.busyDone[0]!();
      await busy.closed;
    } finally {
      close();
    }
  });

  it('closes raw connections beyond the cap at once while the established ones keep working', async () => {
    const { port, close } = await rawServer({ maxConnections: 2 });
    try {
      const open2 = [await open(port), await open(port)];
      for (const raw of open2) {
        raw.socket.write('hello');
        expect(await raw.until((t) => t === 'ok')).toBe(true);
      }
      // Both finished their handshake, so neither gives its place: a third is closed (the timeouts are the
      // production ones, so only the cap closes it this soon).
      const third = await open(port);
      await third.closed;
      expect(third.received()).toBe('');
      open2[0]!.socket.write('again');
      expect(await open2[0]!.until((t) => t === 'okok')).toBe(true);
      open2.forEach((r) => r.socket.destroy());
    } finally {
      close();
    }
  });
});

/** A raw TCP server under applyNetLimits that answers "ok" to every read, and is busy after "work". */
async function rawServer(overrides: Partial<ListenerLimits>) {
  const server = createNetServer();
  const limits = applyNetLimits(server, listenerLimits(overrides));
  const busyDone: (() => void)[] = [];
  server.on('connection', (socket: Socket) => {
    socket.on('data', (d) => {
      limits.established(socket);
      if (String(d) === 'work') busyDone.push(limits.busy(socket));
      socket.write('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, connections: { ...limits, busyDone }, close: () => server.close() };
}
