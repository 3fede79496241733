import type { Storage } from '@google-cloud/storage';
import { Agent, type Dispatcher, type Response, fetch } from 'undici';

/** The auth client @google-cloud/storage builds from a key, a key file or application default credentials. */
export type GcsAuthClient = Storage['authClient'];

export const GOOGLE_ENDPOINT = 'https://storage.googleapis.com';

/** Kept-alive sockets to Google's own endpoint, shared by every client of the process that is not guarded. */
const sharedAgent = new Agent();

/** A JSON API answer that is not a success, shaped like the library's ApiError (`code`, `errors`) for mapGcsError. */
export class GcsApiError extends Error {
  constructor(message: string, readonly code: number, readonly errors?: { reason?: string; message?: string }[]) {
    super(message);
  }
}

/**
 * The GCS JSON API over undici's fetch, the one transport of the GCS store: every request the store
 * makes (metadata, listing, media reads, deletes, multipart uploads, each request of a resumable
 * session) is sent by `send`, with this client's dispatcher. For an endpoint a statement named, the
 * dispatcher is the door's guarded one, so every connection to it — and to any host its answers point
 * at, such as a resumable session URI — passes the trust guard when it connects.
 *
 * Why not the transports of @google-cloud/storage: its JSON API calls go through teeny-request, which
 * always replaces a request's `agent` with one of its own (a process-wide keep-alive pool, or a proxy
 * agent from the environment), so no per-client agent can reach them; only its resumable uploads
 * (gaxios) take one. The library is kept for what it does well: building the auth client from a key,
 * a key file or application default credentials. That client is asked only for request headers here;
 * its own requests (token exchanges at oauth2.googleapis.com, the metadata server) go to Google's
 * endpoints, which no statement names. Nothing here retries: the port's wrapper does, for every backend.
 */
export class GcsClient {
  private readonly origin: string;

  /**
   * `auth` undefined sends no credentials (an emulator or a private endpoint without a key). With
   * `anonymousFallback` (application default credentials), a machine without any still reaches public
   * buckets, as the library did.
   */
  constructor(
    readonly endpoint: string,
    private readonly auth: GcsAuthClient | undefined,
    private readonly dispatcher: Dispatcher = sharedAgent,
    private readonly anonymousFallback = false,
  ) {
    this.origin = new URL(endpoint).origin;
  }

  objectUrl(bucket: string, name?: string, params: Record<string, string> = {}): string {
    return this.url(`/storage/v1/b/${encodeURIComponent(bucket)}/o${name === undefined ? '' : `/${encodeURIComponent(name)}`}`, params);
  }

  uploadUrl(bucket: string, params: Record<string, string>): string {
    return this.url(`/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`, params);
  }

  private url(path: string, params: Record<string, string>): string {
    const query = new URLSearchParams(params).toString();
    return `${this.endpoint}${path}${query ? `?${query}` : ''}`;
  }

  /**
   * One request. Answers other than 2xx and `accept` throw GcsApiError with GCS's own message; a
   * request that gets no answer throws fetch's error (the socket's, or the guard's refusal, in `cause`).
   * Redirects are not followed: the JSON API does not send them, and a resumable session's 308 is an answer.
   */
  async send(url: string, init: { method: string; headers?: Record<string, string>; body?: Buffer | string }, accept: readonly number[] = []): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    let authFailure: unknown;
    // Credentials go only to the endpoint itself, not to a URL one of its answers named.
    if (this.auth && new URL(url).origin === this.origin) {
      try {
        (await this.auth.getRequestHeaders(url)).forEach((value, name) => {
          headers[name] = value;
        });
      } catch (err) {
        if (!this.anonymousFallback || !/Could not load the default credentials/.test((err as Error)?.message ?? '')) throw err;
        authFailure = err;
      }
    }
    const res = await fetch(url, { method: init.method, headers, ...(init.body !== undefined ? { body: init.body } : {}), redirect: 'manual', dispatcher: this.dispatcher });
    if (res.ok || accept.includes(res.status)) return res;
    const text = await res.text().catch(() => '');
    if (authFailure && (res.status === 401 || res.status === 403)) throw authFailure;
    throw apiError(res.status, text);
  }
}

function apiError(status: number, text: string): GcsApiError {
  try {
    const { error } = JSON.parse(text) as { error?: { message?: string; errors?: { reason?: string; message?: string }[] } };
    if (error?.message) return new GcsApiError(error.message, status, error.errors);
  } catch {
    // Not JSON (a proxy's page, an XML error): the status says it.
  }
  return new GcsApiError(text.trim().split('\n')[0]?.slice(0, 200) || `HTTP ${status}`, status);
}
