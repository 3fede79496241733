import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFromSocket } from '../../../lib/adapters/storage/dropped-buffers.ts';
import { hdfsBackend } from '../../../lib/adapters/storage/hdfs/hdfs-backend.ts';
import { NotFoundError, StorageError } from '../../../lib/domain/errors.ts';
import { listAll, readBytes } from '../../../lib/ports/object-io.ts';
import type { ObjectStore } from '../../../lib/ports/object-store.ts';
import { failingStream } from '../../support/streams.ts';
import { type WebHdfsTestServer, startWebHdfsServer } from '../../support/webhdfs-server.ts';
import { runObjectStoreConformance } from './conformance.ts';

let server: WebHdfsTestServer;
beforeAll(async () => {
  server = await startWebHdfsServer({ users: ['starbackup'] });
});
afterAll(async () => server?.close());

function freshStore(user = 'starbackup'): { store: ObjectStore; root: string } {
  const root = `/repo_dir/t-${randomBytes(6).toString('hex')}`;
  const props = { username: user, password: 'not-sent', 'hdfs.webhdfs.port': String(server.port) };
  return { store: hdfsBackend.open(hdfsBackend.parse(`hdfs://127.0.0.1:8020${root}`, props)), root };
}

runObjectStoreConformance('hdfs (WebHDFS test server)', () => freshStore().store);

describe('HdfsObjectStore on the WebHDFS test server', () => {
  it('marks a download as socket buffers, so a folder\'s put of it frees them with young collections', async () => {
    const { store } = freshStore();
    await store.put('marked', 'bytes');
    const body = await store.get('marked');
    expect(isFromSocket(body)).toBe(true);
    expect((await readBytes(body)).toString()).toBe('bytes');
  });

  it('writes through the datanode redirect to a temp name, then renames it into place', async () => {
    const { store, root } = freshStore();
    server.requests.length = 0;
    await store.put('__ss_a/__info_1', 'info');
    expect(server.requests.map((r) => r.split(' ')[0])).toEqual(['CREATE', 'RENAME']);
    expect(server.requests[0]).toMatch(new RegExp(`^CREATE ${root}/__ss_a/__info_1\\.tmp-[0-9a-f]{16}$`));
    expect((await server.files()).filter((f) => f.startsWith(root))).toEqual([`${root}/__ss_a/__info_1`]);
  });

  it('removes the partial temp file a dropped upload leaves on the datanode', async () => {
    const { store, root } = freshStore();
    await expect(store.put('x', failingStream(Buffer.alloc(300_000, 1)))).rejects.toThrow('source went away');
    expect((await server.files()).filter((f) => f.startsWith(root))).toEqual([]);
  });

  it('maps RemoteExceptions: a standby namenode is retryable, a refused user is not', async () => {
    const { store } = freshStore();
    server.failNext(1, 'StandbyException');
    const standby = await store.head('k').catch((e: unknown) => e);
    expect(standby).toBeInstanceOf(StorageError);
    expect((standby as StorageError).retryable).toBe(true);
    expect((standby as Error).message).toContain('StandbyException');

    const denied = await freshStore('mallory').store.put('k', 'v').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(StorageError);
    expect((denied as StorageError).retryable).toBe(false);
    expect((denied as Error).message).toMatch(/Access denied by the namenode http:\/\/127\.0\.0\.1:\d+ .*AccessControlException: Permission denied: user=mallory/);
  });

  it('treats {"boolean": false} from RENAME and DELETE as failures', async () => {
    const { store, root } = freshStore();
    await store.put('k', 'old');
    server.answerFalseNext('RENAME');
    await expect(store.put('k', 'new')).rejects.toThrow(/HDFS refused to rename .*k\.tmp-[0-9a-f]{16} to .*\/k \(RENAME answered false\)/);
    expect((await readBytes(await store.get('k'))).toString()).toBe('old');
    expect((await server.files()).filter((f) => f.startsWith(root))).toEqual([`${root}/k`]);
    server.answerFalseNext('DELETE');
    await expect(store.delete('k')).rejects.toThrow(`HDFS did not delete ${root}/k (DELETE answered false)`);
    expect(await store.head('k')).toEqual({ key: 'k', size: 3 });
  });

  it('gives NotFoundError for a missing object and reads past-the-end ranges as empty', async () => {
    const { store } = freshStore();
    await expect(store.get('missing')).rejects.toBeInstanceOf(NotFoundError);
    await store.put('r', '0123');
    expect((await readBytes(await store.get('r', { start: 10 }))).length).toBe(0);
    expect(await listAll(store, 'r/')).toEqual([]);
  });
});
