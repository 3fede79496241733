import { execFileSync, spawnSync } from 'node:child_process';

/** rclone, the reference copier: installed from Debian's packages when missing (the bench runs as root in CI machines). */
export function ensureRclone(): boolean {
  if (spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0) return true;
  process.stderr.write('rclone is missing: installing it from Debian packages\n');
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  return apt(['update']) && apt(['install', '-y', 'rclone']) && spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Copies a folder to a local folder or to an S3 prefix on the test server; returns seconds. */
export function rcloneCopy(from: string, to: string, s3?: { endpoint: string; key: string }): number {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CA_BUNDLE: '' };
  delete env.AWS_CA_BUNDLE; // rclone reaches s3rver only when AWS_CA_BUNDLE is unset (DESIGN.md §7)
  if (s3) {
    Object.assign(env, {
      RCLONE_CONFIG_BENCH_TYPE: 's3', RCLONE_CONFIG_BENCH_PROVIDER: 'Other', RCLONE_CONFIG_BENCH_ENDPOINT: s3.endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: s3.key, RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: s3.key, RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    });
  }
  const started = performance.now();
  // --fast-list: s3rver answers a delimited listing of keys nested two folders deep with no common
  // prefixes, so rclone's folder-by-folder walk finds nothing; one recursive listing finds everything.
  const listing = s3 ? ['--fast-list'] : [];
  execFileSync('rclone', ['copy', '--transfers', '4', '--checkers', '8', ...listing, from, to], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return (performance.now() - started) / 1000;
}
