import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Bytes of short-lived buffers (socket reads, file stream reads) passed on between two young-generation
 * collections. V8 frees such a buffer only when a collection finds it dead; while a copy streams, its
 * buffers are outside the heap and the heap itself barely grows, so V8 sees them only as external memory
 * and answers with full mark-compact collections (45 in a 1 GiB restore from s3rver, 62 in a backup to it:
 * about a fifth of their CPU, concurrent marking included). A young collection every 2 MiB of them finds
 * them dead and cheap to free, and the full ones mostly stop: a restore from s3rver took 5.5 CPU-s
 * instead of 7, and peaked at 115 MB instead of 140.
 */
export const YOUNG_GC_EVERY = 2 * 1024 * 1024;

type Gc = (options: { type: 'minor' }) => void;
let gc: Gc | null | undefined;
let since = 0;

/** V8's gc function, exposed once (null where it cannot be: then nothing is collected early). */
function youngGc(): Gc | null {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      // The flag applies to contexts made after it: a new one has `gc`; the process's own global does not.
      gc = vm.runInNewContext('gc') as Gc;
    } catch {
      gc = null;
    }
  }
  return gc;
}

const socketStreams = new WeakSet<object>();

/** Marks a download's body: its chunks are fresh socket buffers, each dropped once copied on. */
export function fromSocket<T extends object>(stream: T): T {
  socketStreams.add(stream);
  return stream;
}

/**
 * Whether a body's chunks are a download's socket buffers. Only those are counted: a forced young
 * collection while a statement holds many live young objects (a restore's planning) promotes them all, and
 * made a plan of a million segments peak 9 MB higher.
 */
export function isFromSocket(body: unknown): boolean {
  return typeof body === 'object' && body !== null && socketStreams.has(body);
}

/** Says that `bytes` of buffers were just passed on and will not be read again by their holder. */
export function droppedBuffers(bytes: number): void {
  since += bytes;
  if (since < YOUNG_GC_EVERY) return;
  since = 0;
  youngGc()?.({ type: 'minor' });
}
