import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Timed, ensureDebian, timed } from './process-time.ts';

/** restic, the reference backup tool (content-addressed, deduplicating, encrypted): from Debian's packages. */
export const ensureRestic = (): boolean => ensureDebian(['restic', 'version'], 'restic');

/**
 * A restic repository in a local folder, used as a user would: a password, its default cache (kept in the
 * bench's folder), default options. restic 0.14 (Debian 12) creates repository format 2: encrypted, and
 * compressed with zstd, so its CPU figures include both.
 */
export class Restic {
  private readonly env: NodeJS.ProcessEnv;

  constructor(repo: string, work: string) {
    const cache = join(work, 'restic-cache');
    mkdirSync(cache, { recursive: true });
    this.env = { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: 'bench-only', RESTIC_CACHE_DIR: cache };
  }

  init(): void {
    timed('restic', ['init'], { env: this.env });
  }

  /** Backs up `dir` (its path as given, so a second backup finds the first as its parent); the snapshot's id. */
  backup(dir: string): Timed & { snapshot: string } {
    const t = timed('restic', ['backup', '--json', dir], { env: this.env });
    const summary = t.stdout.trim().split('\n').map((l) => JSON.parse(l) as { message_type?: string; snapshot_id?: string }).find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw new Error('restic backup printed no summary');
    return { ...t, snapshot: summary.snapshot_id };
  }

  restore(snapshot: string, target: string): Timed {
    return timed('restic', ['restore', snapshot, '--target', target], { env: this.env });
  }
}
