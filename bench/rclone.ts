import { type Timed, ensureDebian, timed } from './process-time.ts';

/** rclone, the reference copier: installed from Debian's packages when missing. */
export const ensureRclone = (): boolean => ensureDebian(['rclone', 'version'], 'rclone');

/** Copies a folder to a local folder or to an S3 prefix on the test server, as a whole process. */
export function rcloneCopy(from: string, to: string, s3?: { endpoint: string; key: string }): Timed {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.AWS_CA_BUNDLE; // rclone reaches s3rver only when AWS_CA_BUNDLE is unset (DESIGN.md §7)
  if (s3) {
    Object.assign(env, {
      RCLONE_CONFIG_BENCH_TYPE: 's3', RCLONE_CONFIG_BENCH_PROVIDER: 'Other', RCLONE_CONFIG_BENCH_ENDPOINT: s3.endpoint,
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: s3.key, RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: s3.key, RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: 'true',
    });
  }
  // --fast-list: s3rver answers a delimited listing of keys nested two folders deep with no common
  // prefixes, so rclone's folder-by-folder walk finds nothing; one recursive listing finds everything.
  const listing = s3 ? ['--fast-list'] : [];
  return timed('rclone', ['copy', '--transfers', '4', '--checkers', '8', ...listing, from, to], { env });
}
