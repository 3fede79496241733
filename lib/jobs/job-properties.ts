import { AnalysisError } from '../domain/errors.ts';

/** BACKUP and RESTORE PROPERTIES, validated as StarRocks' BackupRestoreAnalyzer does (reference §6). */
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
  ttl?: string;
  ttlMs?: number;
}

const TTL_UNITS: Record<string, number> = { SECOND: 1_000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000, WEEK: 604_800_000 };

export function backupProperties(props: Record<string, string>): BackupProps {
  unknown('backup', props, ['type', 'timeout', 'ttl']);
  const type = (props.type ?? 'full').toUpperCase();
  if (type !== 'FULL' && type !== 'INCREMENTAL') throw new AnalysisError(`Invalid backup job type: ${props.type}`);
  const out: BackupProps = { type, timeoutSec: props.timeout === undefined ? DEFAULT_TIMEOUT_SEC : timeout(props.timeout) };
  const ttl = props.ttl?.trim();
  if (ttl) {
    const m = /^([+-]?\d+)\s*(SECOND|MINUTE|HOUR|DAY|WEEK)S?$/i.exec(ttl);
    if (!m) throw new AnalysisError(`Invalid ttl: '${props.ttl}'. Expected a duration such as '7 DAY' or '12 HOUR', or an empty value to keep the snapshot forever`);
    const n = Number(m[1]);
    if (n <= 0) throw new AnalysisError(`ttl must be a positive duration, but got: ${props.ttl}`);
    out.ttl = `${n} ${m[2]!.toUpperCase()}`;
    out.ttlMs = n * TTL_UNITS[m[2]!.toUpperCase()]!;
  }
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
  if (!/^-?\d+$/.test(v.trim())) throw new AnalysisError(`Invalid meta version format: ${v}`);
  return Number(v.trim());
}

export function restoreProperties(props: Record<string, string>): RestoreProps {
  unknown('restore', props, ['backup_timestamp', 'replication_num', 'allow_load', 'meta_version', 'starrocks_meta_version', 'timeout']);
  const ts = props.backup_timestamp;
  if (ts === undefined) throw new AnalysisError('Missing backup_timestamp property');
  const allow = props.allow_load?.toLowerCase();
  if (allow !== undefined && allow !== 'true' && allow !== 'false') throw new AnalysisError(`Invalid allow load value: ${props.allow_load}`);
  const out: RestoreProps = {
    backupTimestamp: ts,
    replicationNum: props.replication_num === undefined ? 3 : int(props.replication_num),
    allowLoad: allow === 'true',
    timeoutSec: props.timeout === undefined ? DEFAULT_TIMEOUT_SEC : timeout(props.timeout),
  };
  if (out.replicationNum < 1) throw new AnalysisError(`Invalid replication_num: ${props.replication_num}`);
  if (props.meta_version !== undefined) out.metaVersion = int(props.meta_version);
  if (props.starrocks_meta_version !== undefined) out.starrocksMetaVersion = int(props.starrocks_meta_version);
  return out;
}
