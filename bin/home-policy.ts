import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { doorPolicy } from '../lib/access/door-policy.ts';
import { type Door, trustGuard } from '../lib/access/trust-policy.ts';
import { HOME_CONFIG_FILE, type HomeConfig } from '../lib/domain/home-config.ts';
import type { TrustGuard } from '../lib/ports/trust-guard.ts';

/**
 * The trust guard of an embedded door, from `<home>/starbackup.conf`. Paths are compared as real paths,
 * so the allowed folders and the home are resolved here once (a folder that does not exist yet is taken
 * as written: nothing under it exists either). The home itself (catalog, segment files, keys, token) is
 * never reachable from a statement.
 */
export function homeGuard(home: string, door: Door, config: HomeConfig): TrustGuard {
  return trustGuard(
    doorPolicy({
      door,
      ...(config.allowedFilePaths ? { allowedFilePaths: config.allowedFilePaths.map(real) } : {}),
      allowedEndpoints: config.allowedEndpoints,
      deniedFilePaths: [real(home)],
      settings: join(home, HOME_CONFIG_FILE),
    }),
  );
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
