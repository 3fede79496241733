import { COMPRESSION_PROPERTY, type CompressionValue, parseCompression } from '../domain/compression.ts';
import { AnalysisError } from '../domain/errors.ts';
import { type SnapshotTtl, parseSnapshotTtl } from '../domain/snapshot-ttl.ts';

/**
 * BACKUP and RESTORE PROPERTIES, validated as StarRocks' BackupRestoreAnalyzer does (reference §6): each
 * known key's value in the order given, then (RESTORE) the missing backup_timestamp, then unknown keys.
 */
export const DEFAULT_TIMEOUT_SEC = 86_400;
const MIN_TIMEOUT_SEC = 600;

function timeout(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new AnalysisError(`Invalid timeout format: ${v}`);
  const n = Number(v.trim());
  if (n < MIN_TIMEOUT_SEC) throw new AnalysisError('timeout must be at least 10 min');
  return n;
}

function unknown(kind: string, props: Record<string, string>, known: string[]): void {
  const extra = Object.keys(props).filter((k) => !known.includes(k));
  if (extra.length) throw new AnalysisError(`Unknown ${kind} job properties: [${extra.join(', ')}]`);
}

export interface BackupProps {
  type: 'FULL' | 'INCREMENTAL';
  timeoutSec: number;
  /** The ttl as written (normalised), kept in the snapshot's `__info`; its expiry is a calendar sum. */
  ttl?: string;
  parsedTtl?: SnapshotTtl;
  /** Ours, beyond StarRocks: how the blobs it uploads are stored; unset, the repository's default. */
  compression?: CompressionValue;
}

export function backupProperties(props: Record<string, string>): BackupProps {
  const out: BackupProps = { type: 'FULL', timeoutSec: DEFAULT_TIMEOUT_SEC };
  for (const [key, value] of Object.entries(props)) {
    if (key === 'timeout') out.timeoutSec = timeout(value);
    else if (key === 'type') {
      const type = value.toUpperCase();
      if (type !== 'FULL' && type !== 'INCREMENTAL') throw new AnalysisError(`Invalid backup job type: ${value}`);
      out.type = type;
    } else if (key === 'ttl') {
      const parsed = parseSnapshotTtl(value);
      if (parsed) Object.assign(out, { ttl: parsed.text, parsedTtl: parsed });
    } else if (key === COMPRESSION_PROPERTY) out.compression = parseCompression(value);
  }
  unknown('backup', props, ['type', 'timeout', 'ttl', COMPRESSION_PROPERTY]);
  return out;
}

export interface RestoreProps {
  backupTimestamp: string;
  replicationNum: number;
  allowLoad: boolean;
  timeoutSec: number;
  metaVersion?: number;
  starrocksMetaVersion?: number;
}

function int(v: string): number {
  // StarRocks reuses one helper for these, hence the meta-version wording for replication_num too.
  if (!/^[+-]?\d+$/.test(v) || Number(v) < -(2 ** 31) || Number(v) >= 2 ** 31) throw new AnalysisError(`Invalid meta version format: ${v}`);
  return Number(v);
}

export function restoreProperties(props: Record<string, string>): RestoreProps {
  let ts: string | undefined;
  const out: Omit<RestoreProps, 'backupTimestamp'> = { replicationNum: 3, allowLoad: false, timeoutSec: DEFAULT_TIMEOUT_SEC };
  for (const [key, value] of Object.entries(props)) {
    switch (key) {
      case 'timeout': out.timeoutSec = timeout(value); break;
      case 'allow_load': {
        const allow = value.toLowerCase();
        if (allow !== 'true' && allow !== 'false') throw new AnalysisError(`Invalid allow load value: ${value}`);
        out.allowLoad = allow === 'true';
        break;
      }
      case 'replication_num':
        out.replicationNum = int(value);
        // Ours: StarRocks takes any int here and fails later creating replicas; a count below one never works.
        if (out.replicationNum < 1) throw new AnalysisError(`Invalid replication_num: ${value}`);
        break;
      case 'backup_timestamp': ts = value; break;
      case 'meta_version': out.metaVersion = int(value); break;
      case 'starrocks_meta_version': out.starrocksMetaVersion = int(value); break;
      default: break;
    }
  }
  if (ts === undefined) throw new AnalysisError('Missing backup_timestamp property');
  unknown('restore', props, ['backup_timestamp', 'replication_num', 'allow_load', 'meta_version', 'starrocks_meta_version', 'timeout']);
  return { backupTimestamp: ts, ...out };
}
