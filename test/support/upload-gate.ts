import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy in front of the test s3rver that holds every blob upload (a PUT under
 * `__blobs/`) until `open()`: a backup into a repository behind it stays in UPLOADING, however fast or
 * slow the machine, for as long as the test needs. Requests are forwarded byte for byte, Host header
 * included, so their signatures still verify.
 */
export interface UploadGate {
  endpoint: string;
  /** Uploads held so far. */
  held(): number;
  open(): void;
  close(): Promise<void>;
}

export async function startUploadGate(target: string): Promise<UploadGate> {
  let held = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  let isOpen = false;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    // A connection per request: no kept-alive socket to race s3rver's idle timeout.
    const upstream = request(new URL(req.url!, target), { method: req.method, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (e) => res.destroy(e));
    req.pipe(upstream);
  };
  const proxy = createServer((req, res) => {
    if (!isOpen && req.method === 'PUT' && req.url!.includes('/__blobs/')) {
      held++;
      void opened.then(() => forward(req, res));
    } else {
      forward(req, res);
    }
  });
  // Idle connections stay open until the client closes them: none is closed under a request being sent.
  proxy.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    held: () => held,
    open: () => {
      isOpen = true;
      open();
    },
    close: () => new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      proxy.closeAllConnections();
    }),
  };
}
