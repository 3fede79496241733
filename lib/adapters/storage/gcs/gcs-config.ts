import { AnalysisError } from '../../../domain/errors.ts';
import { locationPath, pickBoolean, pickString, type Properties, rejectUnknown } from '../properties.ts';

/** How the GCS client authenticates. */
export type GcsAuth =
  /** A service account key, given inline (the JSON, or its email and private key). */
  | { kind: 'service-account'; credentials: { client_email: string; private_key: string; private_key_id?: string; project_id?: string } }
  /** A service account key file on this machine. */
  | { kind: 'key-file'; path: string }
  /** Application default credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud's login, the metadata server. */
  | { kind: 'default' };

export interface GcsConfig {
  location: string;
  bucket: string;
  prefix: string;
  /** A JSON API endpoint other than storage.googleapis.com (an emulator, a private endpoint). */
  endpoint?: string;
  auth: GcsAuth;
  /** Resumable upload chunk size (a multiple of 256 KiB); each chunk is held in memory while it is sent. */
  chunkSize: number;
  /** Bodies already in memory up to this size go in one request instead of a resumable session. */
  singleRequestLimit: number;
  listPageSize: number;
}

/** How a store names itself in messages: bucket and prefix, never a property. */
export function describeGcs(config: GcsConfig): string {
  return `gs://${config.bucket}${config.prefix ? `/${config.prefix}` : ''}`;
}

export const GCS_PROPERTIES = [
  'gcp.gcs.service_account_json', 'gcp.gcs.service_account_email', 'gcp.gcs.service_account_private_key',
  'gcp.gcs.service_account_private_key_id', 'gcp.gcs.key_file', 'gcp.gcs.use_compute_engine_service_account',
  'gcp.gcs.endpoint',
] as const;

/** `gs://bucket/path` through the JSON API with a service account key or application default credentials. */
export function parseGcsLocation(location: string, props: Properties): GcsConfig {
  const match = /^gs:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(location);
  if (!match) throw new AnalysisError(`Invalid location '${location}': expected gs://<bucket>/<path>`);
  const bucket = match[1]!;
  if (!/^[a-z0-9][a-z0-9._-]{2,221}$/i.test(bucket)) throw new AnalysisError(`Invalid location '${location}': '${bucket}' is not a bucket name`);
  rejectUnknown(props, 'gcp.gcs.', GCS_PROPERTIES);
  const endpoint = pickString(props, 'gcp.gcs.endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/?#@]+\/?$/i.test(endpoint)) {
    throw new AnalysisError(`Invalid value '${endpoint}' for property gcp.gcs.endpoint: expected http(s)://host[:port]`);
  }
  return {
    location,
    bucket,
    prefix: locationPath(location, match[2]),
    ...(endpoint ? { endpoint: endpoint.replace(/\/$/, '') } : {}),
    auth: auth(props),
    chunkSize: 16 * 1024 * 1024,
    singleRequestLimit: 16 * 1024 * 1024,
    listPageSize: 1000,
  };
}

function auth(props: Properties): GcsAuth {
  const json = pickString(props, 'gcp.gcs.service_account_json');
  const email = pickString(props, 'gcp.gcs.service_account_email');
  const privateKey = pickString(props, 'gcp.gcs.service_account_private_key');
  const keyId = pickString(props, 'gcp.gcs.service_account_private_key_id');
  const keyFile = pickString(props, 'gcp.gcs.key_file');
  const adc = pickBoolean(props, 'gcp.gcs.use_compute_engine_service_account') === true;
  const given = [json && 'gcp.gcs.service_account_json', (email || privateKey) && 'gcp.gcs.service_account_email/private_key', keyFile && 'gcp.gcs.key_file', adc && 'gcp.gcs.use_compute_engine_service_account'].filter(Boolean);
  if (given.length > 1) throw new AnalysisError(`Give one way to authenticate to GCS, not several: ${given.join(', ')}`);
  if (json) return { kind: 'service-account', credentials: parseKeyJson(json) };
  if (email || privateKey) {
    if (!email || !privateKey) {
      throw new AnalysisError('Properties gcp.gcs.service_account_email and gcp.gcs.service_account_private_key go together');
    }
    // Keys pasted into SQL often carry literal \n instead of line breaks.
    return { kind: 'service-account', credentials: { client_email: email, private_key: privateKey.replace(/\\n/g, '\n'), ...(keyId ? { private_key_id: keyId } : {}) } };
  }
  if (keyFile) return { kind: 'key-file', path: keyFile };
  return { kind: 'default' };
}

/** Never echoes the text: it holds a private key. */
function parseKeyJson(text: string): Extract<GcsAuth, { kind: 'service-account' }>['credentials'] {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new AnalysisError('Invalid value for property gcp.gcs.service_account_json: it is not JSON');
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new AnalysisError('Invalid value for property gcp.gcs.service_account_json: expected a service account key with client_email and private_key');
  }
  return {
    client_email: key.client_email,
    private_key: key.private_key,
    ...(typeof key.private_key_id === 'string' ? { private_key_id: key.private_key_id } : {}),
    ...(typeof key.project_id === 'string' ? { project_id: key.project_id } : {}),
  };
}
