import type { TestProject } from 'vitest/node';
import { ensureBuilt } from './built-cli.ts';
import { installMysqlClients } from './mysql-clients.ts';
import { startS3rver } from './s3-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The s3rver every test file shares: `http://127.0.0.1:<port>`, credentials S3RVER/S3RVER. */
    s3Endpoint: string;
  }
}

/**
 * One s3rver for the whole run (a child process, about a second to start); tests isolate themselves
 * by bucket prefix; the MySQL clients, installed when missing; and dist/, built when older than the sources. The GCS and WebHDFS test servers are plain in-process HTTP servers that each test
 * file starts for itself.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Once for the run, before any test file: the MySQL door's tests require the clients and say what is missing.
  installMysqlClients((line) => process.stderr.write(`global setup: ${line}\n`));
  // The tests that spawn bin/starbackup.js run the built JavaScript, as users do: built from these sources.
  await ensureBuilt((line) => process.stderr.write(`global setup: ${line}\n`));
  const s3 = await startS3rver();
  project.provide('s3Endpoint', s3.endpoint);
  return () => s3.close();
}
