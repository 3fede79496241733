import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** s3rver's fixed credentials. */
export const S3RVER_KEY = 'S3RVER';

/** Buckets every test may use; s3rver creates them at start. Underscored names are the spec's own. */
export const TEST_BUCKETS = ['conformance', 'bucket_s3', 'bucket_gcs', 'bucket_minio', 'shared', 'errors'] as const;

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Where s3rver keeps the objects: `<directory>/<bucket>/<key>…` (the bench reads what a backup stored). */
  directory: string;
  close(): Promise<void>;
}

/** Starts s3rver in a child process (see s3rver-process.ts for why) on an ephemeral port of 127.0.0.1. */
export async function startS3rver(): Promise<S3TestServer> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const script = fileURLToPath(new URL('./s3rver-process.ts', import.meta.url));
  const child: ChildProcess = fork(script, [directory, ...TEST_BUCKETS], {
    execArgv: ['--openssl-legacy-provider', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
      await rm(directory, { recursive: true, force: true });
      await rm(`${directory}-incoming`, { recursive: true, force: true });
    },
  };
}
