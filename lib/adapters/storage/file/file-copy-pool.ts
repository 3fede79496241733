import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A copy of `[start, end)` of descriptor `from` to descriptor `to` from its first byte. */
export interface CopyJob { from: number; start: number; end: number; to: number }

export type CopyOutcome =
  | { ok: true; size: number; sha256: string }
  | { ok: false; message: string; code?: string; syscall?: string };

/** A thread and the copies it holds, answered in the order sent. */
interface Thread { worker: Worker; waiting: ((o: CopyOutcome) => void)[] }

/**
 * Threads that copy files: on the main thread, hashing (a GiB's sha256 is most of a CPU-second) and a
 * promise per read and write kept a file:// backup to about one core, where rclone keeps two busy. Up to
 * four threads, one per core; none on one core, where they would only take turns with the main thread.
 */
const WANTED = Math.min(4, availableParallelism());
let threads: Thread[] | undefined;
let broken = false;
let copies = 0;

/** How many threads are running, and how many copies they have answered (for tests and diagnostics). */
export function copyThreadStats(): { threads: number; copies: number } {
  return { threads: broken ? 0 : (threads?.length ?? 0), copies };
}

/** Ends the threads: copies still waiting fail as a thread that stopped; later ones run in the caller's thread. */
export async function stopCopyThreads(): Promise<void> {
  broken = true;
  await Promise.all((threads ?? []).map((t) => t.worker.terminate()));
}

/**
 * Copies through a thread, or returns undefined when there is none (one core, the thread code absent as
 * in a Lambda bundle, or a thread that failed once: the caller then copies in this thread).
 */
export function copyInThread(job: CopyJob): Promise<CopyOutcome> | undefined {
  if (broken || WANTED < 2) return undefined;
  threads ??= start();
  if (threads.length === 0) return undefined;
  const t = threads.reduce((a, b) => (b.waiting.length < a.waiting.length ? b : a));
  return run(t, job);
}

function run(t: Thread, job: CopyJob): Promise<CopyOutcome> {
  return new Promise((resolve) => {
    // A thread with work keeps the process alive until the work is answered; an idle one does not.
    if (t.waiting.push(resolve) === 1) t.worker.ref();
    t.worker.postMessage(job);
  });
}

function start(): Thread[] {
  const made: Thread[] = [];
  for (let i = 0; i < WANTED; i++) {
    const worker = makeWorker();
    if (!worker) break;
    const t: Thread = { worker, waiting: [] };
    worker.on('message', (o: CopyOutcome) => {
      copies++;
      t.waiting.shift()?.(o);
      if (t.waiting.length === 0) worker.unref();
    });
    const fail = (message: string) => {
      // Later copies run in the main thread; those this thread held fail (their caller retries them).
      broken = true;
      for (const resolve of t.waiting.splice(0)) resolve({ ok: false, message: `file copy thread: ${message}`, code: 'EIO' });
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', () => fail('the thread stopped'));
    worker.unref();
    made.push(t);
  }
  return made;
}

/** From the sources (tests, bench scripts) the thread's code is TypeScript, which tsx compiles once registered. */
function makeWorker(): Worker | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./file-copy-worker.ts', here).href;
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  }
  const entry = new URL('./file-copy-worker.js', here);
  return existsSync(fileURLToPath(entry)) ? new Worker(entry) : undefined;
}
