import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of the SDK's HttpRequest this handler reads (@smithy/protocol-http's shape). */
interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The SDK's HttpResponse shape: it checks responses structurally (statusCode and headers). */
interface SdkResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * An SDK request handler that gives each request to the embedded DynamoDB's own request listener in this
 * process instead of sending it over a socket. The client still serializes, signs and parses the real
 * DynamoDB JSON protocol, and dynalite still validates and answers it as over the wire, so the adapter code
 * is the one that runs against AWS; only the HTTP framing is skipped. Over the Unix socket the HTTP client,
 * the HTTP server and their parsers cost about as much CPU per request as everything else together, and a
 * job makes dozens of requests.
 */
export function inProcessHandler(listener: RequestListener) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    handle(request: SdkRequest): Promise<{ response: SdkResponse }> {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const body = bodyBytes(request.body);
      const req = Object.assign(new EventEmitter(), { method: request.method, url: request.path, headers });
      return new Promise((resolve, reject) => {
        const out: Record<string, string> = {};
        const res = {
          statusCode: 200,
          setHeader(name: string, value: unknown) {
            out[name.toLowerCase()] = String(value);
          },
          end(data?: string | Buffer) {
            const bytes = data === undefined ? new Uint8Array() : typeof data === 'string' ? Buffer.from(data) : data;
            resolve({ response: { statusCode: res.statusCode, headers: out, body: bytes } });
          },
        };
        try {
          listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
          // dynalite reads the body from 'data' events and answers on 'end', as from a socket.
          if (body.length > 0) req.emit('data', body);
          req.emit('end');
        } catch (err) {
          reject(err);
        }
      });
    },
    updateHttpClientConfig(): void {},
    httpHandlerConfigs(): Record<string, never> {
      return {};
    },
    destroy(): void {},
  };
}

/**
 * The SDK's JSON body is a Uint8Array subclass whose string conversions warn, so its bytes are viewed, not
 * converted.
 */
function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('the embedded DynamoDB handler takes string or byte bodies only');
}
