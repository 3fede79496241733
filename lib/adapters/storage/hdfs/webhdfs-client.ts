import { Readable } from 'node:stream';
import { type Dispatcher, type RequestInit, type Response, fetch } from 'undici';
import type { TrustGuard } from '../../../ports/trust-guard.ts';
import { guardedDispatcher } from '../../net/guarded-dispatcher.ts';
import type { HdfsConfig } from './hdfs-config.ts';
import { type RemoteException, mapFetchFailure, mapRemoteException } from './webhdfs-errors.ts';

export interface HdfsFileStatus {
  pathSuffix: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK';
  length: number;
}

/**
 * The WebHDFS REST API over fetch, the few operations the store needs. Data operations (CREATE, OPEN)
 * are two steps as the API prescribes: the namenode answers 307 with a datanode URL, which gets the data.
 * Redirects are never followed automatically: a streamed body cannot be sent twice. Both the namenode
 * and the datanodes it redirects to are hosts the statement chose (directly or through its namenode),
 * so with a guard every connection to either passes it. undici's own fetch takes the guarded dispatcher.
 */
export class WebHdfsClient {
  private readonly dispatcher?: Dispatcher;

  constructor(private readonly config: HdfsConfig, guard?: TrustGuard) {
    if (guard) this.dispatcher = guardedDispatcher((t) => guard.checkConnect({ ...t, what: 'the HDFS namenode or datanode', serviceCredentials: false }));
  }

  url(path: string, op: string, params: Record<string, string> = {}): string {
    const query = new URLSearchParams({ op, 'user.name': this.config.user, ...params });
    if (this.config.delegationToken) query.set('delegation', this.config.delegationToken);
    return `${this.config.namenode}/webhdfs/v1${path.split('/').map(encodeURIComponent).join('/')}?${query}`;
  }

  /** A namenode operation answered with JSON (or nothing, as RENAME with options answers). */
  async call<T>(method: string, path: string, op: string, params: Record<string, string> = {}): Promise<T | undefined> {
    const res = await this.send(this.url(path, op, params), { method }, `${op} ${path}`);
    const text = await res.text();
    return text ? (JSON.parse(text) as T) : undefined;
  }

  /** CREATE: the namenode picks a datanode, which receives the bytes; the file must not exist yet. */
  async create(path: string, body: Readable): Promise<void> {
    const what = `CREATE ${path}`;
    const dataUrl = await this.redirect(this.url(path, 'CREATE', { overwrite: 'false' }), 'PUT', what);
    const res = await this.send(dataUrl, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    }, what);
    await res.arrayBuffer();
  }

  /** OPEN from `offset` for `length` bytes (or to the end). */
  async open(path: string, offset?: number, length?: number): Promise<Readable> {
    const what = `OPEN ${path}`;
    const params: Record<string, string> = {};
    if (offset !== undefined) params.offset = String(offset);
    if (length !== undefined) params.length = String(length);
    const dataUrl = await this.redirect(this.url(path, 'OPEN', params), 'GET', what);
    const res = await this.send(dataUrl, { method: 'GET' }, what);
    return res.body ? Readable.fromWeb(res.body as import('node:stream/web').ReadableStream) : Readable.from([]);
  }

  private async redirect(url: string, method: string, what: string): Promise<string> {
    const res = await this.send(url, { method, redirect: 'manual' }, what);
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status !== 307 || !location) throw mapRemoteException(res.status, undefined, `${what}: expected a redirect to a datanode`, this.config.namenode);
    return new URL(location, url).toString();
  }

  private async send(url: string, init: RequestInit, what: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, this.dispatcher ? { ...init, dispatcher: this.dispatcher } : init);
    } catch (err) {
      throw mapFetchFailure(err, what, new URL(url).host);
    }
    if (res.ok || res.status === 307) return res;
    const text = await res.text().catch(() => '');
    let remote: RemoteException | undefined;
    try {
      remote = (JSON.parse(text) as { RemoteException?: RemoteException }).RemoteException;
    } catch {
      // Not JSON (a proxy's page): the status decides.
    }
    throw mapRemoteException(res.status, remote, what, this.config.namenode);
  }
}
