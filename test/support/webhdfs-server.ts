import { createWriteStream, promises as fs } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * A WebHDFS server for tests, written for starbackup because no HDFS can be installed here. It speaks the
 * REST protocol the way a Hadoop 3 cluster does, with files in a temp folder:
 * - a namenode port answering GETFILESTATUS, LISTSTATUS, RENAME (with and without `renameoptions`),
 *   DELETE, and answering CREATE and OPEN with `307 Temporary Redirect` to a separate datanode port;
 * - the datanode port receiving CREATE bodies (the file exists, growing, while it is written, and a
 *   dropped upload leaves a partial file, as in HDFS) and serving OPEN with offset and length;
 * - errors as `{"RemoteException": {"exception", "javaClassName", "message"}}` with Hadoop's statuses
 *   (404 FileNotFoundException, 403 for other IOExceptions, 400 IllegalArgumentException);
 * - simple authentication: `user.name` must be one of `users`, else AccessControlException.
 */
export interface WebHdfsTestServer {
  /** The namenode's HTTP port, for `hdfs.webhdfs.port`. */
  port: number;
  datanodePort: number;
  /** Absolute HDFS paths of every file (temp files included), sorted. */
  files(): Promise<string[]>;
  /** Make the next `count` namenode requests fail with this exception (a failover, safe mode). */
  failNext(count: number, exception?: string, status?: number): void;
  /** Make the next RENAME or DELETE answer `{"boolean": false}` without doing anything. */
  answerFalseNext(op: 'RENAME' | 'DELETE'): void;
  /** Namenode requests seen, as `OP /path`. */
  requests: string[];
  /** Every request URL, namenode and datanode. */
  urls: string[];
  close(): Promise<void>;
}

class HdfsError extends Error {
  constructor(readonly status: number, readonly exception: string, message: string, readonly java = `java.io.${exception}`) {
    super(message);
  }
}

const notFound = (p: string) => new HdfsError(404, 'FileNotFoundException', `File does not exist: ${p}`);

export async function startWebHdfsServer(options: { users?: string[] } = {}): Promise<WebHdfsTestServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'webhdfs-'));
  const users = new Set(options.users ?? ['starbackup']);
  let failures: { count: number; exception: string; status: number } = { count: 0, exception: '', status: 0 };
  const requests: string[] = [];
  const urls: string[] = [];
  const answerFalse = new Set<string>();
  let datanodePort = 0;

  const local = (hdfsPath: string) => path.join(dataDir, hdfsPath);
  const stat = (hdfsPath: string) => fs.stat(local(hdfsPath)).catch(() => undefined);
  const fileStatus = (suffix: string, s: import('node:fs').Stats) => ({
    pathSuffix: suffix,
    type: s.isDirectory() ? 'DIRECTORY' : 'FILE',
    length: s.isDirectory() ? 0 : s.size,
    owner: 'starbackup',
    group: 'supergroup',
    permission: s.isDirectory() ? '755' : '644',
    modificationTime: Math.floor(s.mtimeMs),
    accessTime: Math.floor(s.atimeMs),
    blockSize: 134217728,
    replication: s.isDirectory() ? 0 : 3,
  });

  /** A path through a file is no path, as the namenode's inode resolution finds nothing there. */
  async function parentProblem(hdfsPath: string): Promise<HdfsError | undefined> {
    const parts = hdfsPath.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const s = await stat(`/${parts.slice(0, i).join('/')}`);
      if (s?.isFile()) return new HdfsError(403, 'ParentNotDirectoryException', `/${parts.slice(0, i).join('/')} (is not a directory)`, 'org.apache.hadoop.fs.ParentNotDirectoryException');
      if (!s) return undefined;
    }
    return undefined;
  }

  async function namenode(req: IncomingMessage, res: ServerResponse, url: URL, hdfsPath: string, op: string): Promise<void> {
    const s = await stat(hdfsPath);
    switch (`${req.method} ${op}`) {
      case 'GET GETFILESTATUS':
        if (!s) throw notFound(hdfsPath);
        return json(res, 200, { FileStatus: fileStatus('', s) });
      case 'GET LISTSTATUS': {
        if (!s) throw new HdfsError(404, 'FileNotFoundException', `File ${hdfsPath} does not exist.`);
        if (s.isFile()) return json(res, 200, { FileStatuses: { FileStatus: [fileStatus('', s)] } });
        const names = (await fs.readdir(local(hdfsPath))).sort();
        const entries = [];
        for (const name of names) {
          const child = await stat(path.posix.join(hdfsPath, name));
          if (child) entries.push(fileStatus(name, child));
        }
        return json(res, 200, { FileStatuses: { FileStatus: entries } });
      }
      case 'PUT CREATE':
      case 'GET OPEN': {
        if (op === 'OPEN' && (!s || s.isDirectory())) throw s ? new HdfsError(404, 'FileNotFoundException', `Path is not a file: ${hdfsPath}`) : notFound(hdfsPath);
        const target = new URL(url.pathname + url.search, `http://127.0.0.1:${datanodePort}`);
        target.searchParams.set('namenoderpcaddress', '127.0.0.1:8020');
        res.writeHead(307, { Location: target.toString(), 'Content-Type': 'application/octet-stream', 'Content-Length': 0 }).end();
        return;
      }
      case 'PUT RENAME': {
        const destination = url.searchParams.get('destination') ?? '';
        const withOptions = url.searchParams.has('renameoptions');
        const overwrite = url.searchParams.get('renameoptions') === 'OVERWRITE';
        const d = await stat(destination);
        if (!s) {
          if (withOptions) throw notFound(hdfsPath);
          return json(res, 200, { boolean: false });
        }
        if (d && (!overwrite || d.isDirectory())) {
          if (withOptions) throw new HdfsError(403, 'FileAlreadyExistsException', `rename destination ${destination} already exists`, 'org.apache.hadoop.fs.FileAlreadyExistsException');
          return json(res, 200, { boolean: false });
        }
        await fs.mkdir(path.dirname(local(destination)), { recursive: true });
        await fs.rename(local(hdfsPath), local(destination));
        if (withOptions) {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 0 }).end();
          return;
        }
        return json(res, 200, { boolean: true });
      }
      case 'DELETE DELETE': {
        if (!s) return json(res, 200, { boolean: false });
        if (s.isDirectory()) {
          const empty = (await fs.readdir(local(hdfsPath))).length === 0;
          if (!empty && url.searchParams.get('recursive') !== 'true') {
            throw new HdfsError(403, 'PathIsNotEmptyDirectoryException', `\`${hdfsPath} is non empty': Directory is not empty`, 'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException');
          }
          await fs.rm(local(hdfsPath), { recursive: true, force: true });
        } else {
          await fs.unlink(local(hdfsPath));
        }
        return json(res, 200, { boolean: true });
      }
      default:
        throw new HdfsError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "op": No enum constant ${op}`, 'java.lang.IllegalArgumentException');
    }
  }

  async function datanode(req: IncomingMessage, res: ServerResponse, url: URL, hdfsPath: string, op: string): Promise<void> {
    if (req.method === 'PUT' && op === 'CREATE') {
      const s = await stat(hdfsPath);
      if (s && url.searchParams.get('overwrite') !== 'true') {
        throw new HdfsError(403, 'FileAlreadyExistsException', `${hdfsPath} for client 127.0.0.1 already exists`, 'org.apache.hadoop.fs.FileAlreadyExistsException');
      }
      const problem = await parentProblem(hdfsPath);
      if (problem) throw problem;
      await fs.mkdir(path.dirname(local(hdfsPath)), { recursive: true });
      // Written in place, as a datanode does; a dropped request leaves what arrived.
      await pipeline(req, createWriteStream(local(hdfsPath)));
      res.writeHead(201, { Location: `hdfs://127.0.0.1:8020${hdfsPath}`, 'Content-Length': 0 }).end();
      return;
    }
    if (req.method === 'GET' && op === 'OPEN') {
      const s = await stat(hdfsPath);
      if (!s?.isFile()) throw notFound(hdfsPath);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const length = url.searchParams.has('length') ? Number(url.searchParams.get('length')) : undefined;
      if (offset > s.size) throw new HdfsError(403, 'EOFException', 'Cannot seek after EOF', 'java.io.EOFException');
      const end = Math.min(s.size, length === undefined ? s.size : offset + length);
      const data = (await fs.readFile(local(hdfsPath))).subarray(offset, end);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length }).end(data);
      return;
    }
    throw new HdfsError(400, 'IllegalArgumentException', `Invalid operation ${req.method} ${op} on a datanode`, 'java.lang.IllegalArgumentException');
  }

  function serve(role: 'namenode' | 'datanode'): Server {
    return createServer((req, res) => {
      const url = new URL(req.url!, 'http://127.0.0.1');
      urls.push(req.url!);
      const op = (url.searchParams.get('op') ?? '').toUpperCase();
      const hdfsPath = decodeURIComponent(url.pathname.replace(/^\/webhdfs\/v1/, '')) || '/';
      const run = async () => {
        if (!url.pathname.startsWith('/webhdfs/v1/')) throw new HdfsError(404, 'FileNotFoundException', `${url.pathname} is not a WebHDFS path`);
        const user = url.searchParams.get('user.name') ?? 'dr.who';
        if (!users.has(user)) {
          const access = req.method === 'GET' ? 'READ_EXECUTE' : 'WRITE';
          throw new HdfsError(403, 'AccessControlException', `Permission denied: user=${user}, access=${access}, inode="${hdfsPath}":hdfs:supergroup:drwxr-xr-x`, 'org.apache.hadoop.security.AccessControlException');
        }
        if (role === 'namenode') {
          requests.push(`${op} ${hdfsPath}`);
          if (failures.count > 0) {
            failures.count--;
            throw new HdfsError(failures.status, failures.exception, `Operation category ${op} is not supported in state standby`, `org.apache.hadoop.ipc.${failures.exception}`);
          }
          if (answerFalse.delete(op)) return json(res, 200, { boolean: false });
          return namenode(req, res, url, hdfsPath, op);
        }
        return datanode(req, res, url, hdfsPath, op);
      };
      run().catch((err: unknown) => {
        const e = err instanceof HdfsError ? err : new HdfsError(500, 'IOException', String(err));
        req.resume();
        if (res.headersSent) return void res.destroy();
        json(res, e.status, { RemoteException: { exception: e.exception, javaClassName: e.java, message: e.message } });
      });
    });
  }

  const nn = serve('namenode');
  const dn = serve('datanode');
  const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const port = await listen(nn);
  datanodePort = await listen(dn);
  const close = (s: Server) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); });

  return {
    port,
    datanodePort,
    requests,
    urls,
    failNext(count, exception = 'StandbyException', status = 403) {
      failures = { count, exception, status };
    },
    answerFalseNext(op) {
      answerFalse.add(op);
    },
    async files() {
      const entries = await fs.readdir(dataDir, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => `/${path.relative(dataDir, path.join(e.parentPath, e.name))}`).sort();
    },
    async close() {
      await Promise.all([close(nn), close(dn)]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
