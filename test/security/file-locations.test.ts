import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../lib/adapters/storage/file/file-object-store.ts';
import { type TestCluster, openTestCluster } from '../support/test-cluster.ts';
import { useTempDirs } from '../support/temp-dirs.ts';

/**
 * A repository folder on a file system that refuses writes is reported as what it is, with the path.
 * The file systems are real: small tmpfs mounts (the tests run as root, as CI does), and an unprivileged
 * child process for a permission refusal (root is never refused one).
 */
const temp = useTempDirs('file-locations');
let dir: string;
let c: TestCluster;
const mounts: string[] = [];

function mountTmpfs(path: string, options: string): void {
  mkdirSync(path, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', path]);
  mounts.push(path);
}

beforeAll(async () => {
  dir = await temp.make();
  c = await openTestCluster(dir);
  mountTmpfs(join(dir, 'ro'), 'ro,size=64k');
  mountTmpfs(join(dir, 'full'), 'size=64k');
});
afterAll(async () => {
  await c?.close();
  for (const m of mounts) execFileSync('umount', [m]);
});

describe('file:// locations', () => {
  it('a read-only file system is EROFS, named, not a missing folder', async () => {
    expect(await c.error(`CREATE REPOSITORY r1 WITH BROKER ON LOCATION "file://${dir}/ro"`)).toMatch(
      new RegExp(`^Failed to create repository r1 on file://${dir}/ro: Cannot write file://${dir}/ro/__starbackup_repository_r1/__repo_info\\.probe-\\w+: the file system is read-only \\(EROFS on ${dir}/ro/__starbackup_repository_r1\\)$`),
    );
  });

  it('a full disk is ENOSPC, named', async () => {
    const store = new FileObjectStore(join(dir, 'full'));
    await expect(store.put('big', Buffer.alloc(1 << 20))).rejects.toThrow(
      new RegExp(`^Cannot write file://${dir}/full/big: no space left on the device \\(ENOSPC on `),
    );
    expect(spawnSync('ls', ['-A', join(dir, 'full')], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('a permission refusal is EACCES, named', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    const script = `import { FileObjectStore } from ${JSON.stringify(join(import.meta.dirname, '../../lib/adapters/storage/file/file-object-store.ts'))};
      new FileObjectStore(${JSON.stringify(locked)}).put('k', 'v').then(() => console.log('written'), (e) => console.log(e.message));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 60_000 });
    expect(r.stdout.trim()).toMatch(new RegExp(`^Cannot write file://${locked}/k: permission denied \\(EACCES on ${locked}/k\\.tmp-[0-9a-f]+\\)$`));
  });
});
