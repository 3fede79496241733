/**
 * Where things live inside a repository (DESIGN.md §3). Keys are relative to the repository location.
 *   __starbackup_repository_<repo>/__repo_info
 *   __starbackup_repository_<repo>/__blobs/<2 hex>/<sha256>[.zst]   (.zst: compressed, see compression.ts)
 *   __starbackup_repository_<repo>/__ss_<label>/__meta_<ts>
 *   __starbackup_repository_<repo>/__ss_<label>/__refs_<ts>   (the blobs __meta names, sorted: snapshot-refs.ts)
 *   __starbackup_repository_<repo>/__ss_<label>/__info_<ts>   (written last: the commit point)
 *   __starbackup_repository_<repo>/__gc_running/<id>   (a garbage collection in progress: gc-markers.ts)
 */
export const REPO_PREFIX = '__starbackup_repository_';
export const FORMAT_VERSION = 1;
/** Ends the key of a compressed blob. */
export const COMPRESSED_SUFFIX = '.zst';

export function repoRoot(repo: string): string {
  return `${REPO_PREFIX}${repo}`;
}

export const layout = {
  repoInfo: (repo: string) => `${repoRoot(repo)}/__repo_info`,
  blobsPrefix: (repo: string) => `${repoRoot(repo)}/__blobs/`,
  blob: (repo: string, sha256: string) => `${repoRoot(repo)}/__blobs/${sha256.slice(0, 2)}/${sha256}`,
  /** The same blob compressed (compressed-blob.ts): still named by the sha256 of its uncompressed content. */
  compressedBlob: (repo: string, sha256: string) => `${repoRoot(repo)}/__blobs/${sha256.slice(0, 2)}/${sha256}${COMPRESSED_SUFFIX}`,
  snapshotsPrefix: (repo: string) => `${repoRoot(repo)}/__ss_`,
  snapshotDir: (repo: string, label: string) => `${repoRoot(repo)}/__ss_${label}/`,
  meta: (repo: string, label: string, ts: string) => `${repoRoot(repo)}/__ss_${label}/__meta_${ts}`,
  refs: (repo: string, label: string, ts: string) => `${repoRoot(repo)}/__ss_${label}/__refs_${ts}`,
  info: (repo: string, label: string, ts: string) => `${repoRoot(repo)}/__ss_${label}/__info_${ts}`,
  gcMarkersPrefix: (repo: string) => `${repoRoot(repo)}/__gc_running/`,
  gcMarker: (repo: string, id: string) => `${repoRoot(repo)}/__gc_running/${id}`,
} as const;

/** The sha256 a blob key names (plain or compressed), or undefined for anything else under __blobs/. */
export function blobSha(key: string): string | undefined {
  return blobKey(key)?.sha256;
}

/** What a key under __blobs/ names: a blob's sha256 and whether this copy is compressed. */
export function blobKey(key: string): { sha256: string; compressed: boolean } | undefined {
  const m = /__blobs\/[0-9a-f]{2}\/([0-9a-f]{64})(\.zst)?$/.exec(key);
  return m ? { sha256: m[1]!, compressed: m[2] !== undefined } : undefined;
}

/** Splits `__ss_<label>/<file>` keys (relative to the repository root) into label and file name. */
export function parseSnapshotKey(repo: string, key: string): { label: string; file: string } | undefined {
  const prefix = `${repoRoot(repo)}/__ss_`;
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { label: rest.slice(0, slash), file: rest.slice(slash + 1) };
}
