import type { ObjectStore } from '../../../ports/object-store.ts';
import type { StoreAccess } from '../storage-backend.ts';
import { s3ClientFor } from './s3-client.ts';
import type { S3Config } from './s3-config.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** The S3 store with its client, loaded by s3-backend.ts on first use (the AWS SDK is slow to load). */
export function openS3(config: S3Config, access?: StoreAccess): ObjectStore {
  const c = config.credentials;
  const secrets = c.kind === 'static' ? [c.accessKeyId, c.secretAccessKey, ...(c.sessionToken ? [c.sessionToken] : [])] : [];
  return new S3ObjectStore(s3ClientFor(config, access?.guard), config, secrets);
}
