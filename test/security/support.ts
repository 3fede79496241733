import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A listener on 127.0.0.1 standing in for what an attacker would aim at (the instance metadata service,
 * the Lambda runtime API, a database on the host): it accepts and counts connections and answers
 * nothing, so a test can assert that nothing was ever sent to it.
 */
export interface Bait {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Bytes received so far (a signed request would carry credentials). */
  received: Buffer;
  close(): Promise<void>;
}

export async function startBait(): Promise<Bait> {
  const bait: Bait = { port: 0, connections: 0, received: Buffer.alloc(0), close: async () => undefined };
  const server = createServer((socket) => {
    bait.connections++;
    socket.on('data', (d: Buffer) => { bait.received = Buffer.concat([bait.received, d]); });
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 100).unref();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  bait.port = (server.address() as AddressInfo).port;
  bait.close = () => new Promise((done) => server.close(() => done()));
  return bait;
}

/** Sets environment variables for the duration of a test file; returns the function that restores them. */
export function withEnv(vars: Record<string, string>): () => void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
