import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { S3Config } from './s3-config.ts';

/** One pool of kept-alive sockets for every S3 client of the process: TLS handshakes are the slow part. */
const agentOptions = { keepAlive: true, maxSockets: 64 };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

/**
 * Clients by configuration: each workflow phase opens the repository again, and a new client would
 * redo credential resolution (an STS call for an assumed role) every time. Keyed by a hash so the map
 * does not hold the secrets as keys.
 */
const clients = new Map<string, S3Client>();

export function s3ClientFor(config: S3Config): S3Client {
  const { location: _location, prefix: _prefix, bucket: _bucket, partSize: _p, queueSize: _q, listPageSize: _l, ...clientPart } = config;
  const key = createHash('sha256').update(JSON.stringify(clientPart)).digest('hex');
  let client = clients.get(key);
  if (!client) clients.set(key, (client = createClient(config)));
  return client;
}

function createClient(config: S3Config): S3Client {
  const source =
    config.credentials.kind === 'static'
      ? {
          accessKeyId: config.credentials.accessKeyId,
          secretAccessKey: config.credentials.secretAccessKey,
          ...(config.credentials.sessionToken ? { sessionToken: config.credentials.sessionToken } : {}),
        }
      : fromNodeProviderChain();
  const credentials = config.assumeRole
    ? fromTemporaryCredentials({
        masterCredentials: source,
        params: {
          RoleArn: config.assumeRole.roleArn,
          RoleSessionName: 'starbackup',
          ...(config.assumeRole.externalId ? { ExternalId: config.assumeRole.externalId } : {}),
        },
        clientConfig: {
          region: config.assumeRole.stsRegion ?? (config.region === 'auto' ? 'us-east-1' : config.region),
          ...(config.assumeRole.stsEndpoint ? { endpoint: config.assumeRole.stsEndpoint } : {}),
        },
      })
    : source;
  return new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    credentials,
    // Only the checksums S3 requires: the default CRC32 trailers are rejected by GCS's S3 API and make
    // s3rver store the aws-chunked framing as the object's bytes. Integrity is our sha256 anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A bucket outside the configured region answers with a redirect naming its region: follow it.
    followRegionRedirects: true,
    maxAttempts: 3,
    requestHandler: { httpAgent, httpsAgent, connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
}
