import { type Socket, connect } from 'node:net';

/**
 * Raw TCP clients for tests of the servers' limits: what a connection received, whether the server closed
 * it, and the HTTP responses in what it received. Waiting is always for an outcome, never for a time.
 */
/** A raw connection: what it received so far, and whether the server closed it. */
export interface Raw {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves true once what was received satisfies `test`, false if the connection closes first. */
  until(test: (text: string) => boolean): Promise<boolean>;
}

export function openRaw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const waiters = new Set<() => void>();
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const wake = () => waiters.forEach((w) => w());
    socket.on('data', (d: Buffer) => { chunks.push(d); wake(); });
    socket.on('close', wake);
    // The server may reset a connection it refuses; that is an outcome here, not a failure.
    socket.on('error', () => undefined);
    const raw: Raw = {
      socket,
      received: () => Buffer.concat(chunks).toString('latin1'),
      closed,
      until: (test) => new Promise((done) => {
        const check = () => {
          if (test(raw.received())) return finish(true);
          if (socket.destroyed || socket.readableEnded) finish(false);
        };
        const finish = (ok: boolean) => { waiters.delete(check); done(ok); };
        waiters.add(check);
        check();
      }),
    };
    socket.once('connect', () => resolve(raw));
    socket.once('error', reject);
  });
}

export interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** The complete responses in `text`, interim ones (100 Continue) left out. */
export function responses(text: string): Parsed[] {
  const out: Parsed[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return out;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const status = Number(statusLine!.split(' ')[1]);
    const length = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + length) return out;
    const body = rest.slice(end + 4, end + 4 + length);
    if (status !== 100) out.push({ status, headers, body: body ? JSON.parse(body) : undefined });
    rest = rest.slice(end + 4 + length);
  }
}

