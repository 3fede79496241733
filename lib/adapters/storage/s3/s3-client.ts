import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { TrustGuard } from '../../../ports/trust-guard.ts';
import { guardedAgents } from '../../net/guarded-connect.ts';
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
/** Clients whose sockets pass a door's trust guard, per guard: two doors in one process never share one. */
const guardedClients = new WeakMap<TrustGuard, Map<string, S3Client>>();

export function s3ClientFor(config: S3Config, guard?: TrustGuard): S3Client {
  // The region stays in the key: a client signs for one region, and the data store and a repository
  // can differ only by it.
  const { location: _location, prefix: _prefix, bucket: _bucket, partSize: _p, queueSize: _q, listPageSize: _l, ...clientPart } = config;
  const key = createHash('sha256').update(JSON.stringify(clientPart)).digest('hex');
  const named = config.endpoint !== undefined || config.assumeRole?.stsEndpoint !== undefined;
  let cache = clients;
  if (guard && named) {
    cache = guardedClients.get(guard) ?? new Map();
    guardedClients.set(guard, cache);
  }
  let client = cache.get(key);
  if (!client) cache.set(key, (client = createClient(config, named ? guard : undefined)));
  return client;
}

/**
 * Agents for an endpoint the statement named (`aws.s3.endpoint`, `aws.s3.sts.endpoint`): each connection
 * passes the trust guard. Without keys of its own the request carries the service's identity, which
 * the guard only lets go to an allowed endpoint. AWS's own endpoints use the shared pool.
 */
function agentsFor(config: S3Config, guard: TrustGuard | undefined, what: string) {
  if (!guard) return { httpAgent, httpsAgent };
  const serviceCredentials = config.credentials.kind === 'default-chain';
  return guardedAgents((target) => guard.checkConnect({ ...target, what, serviceCredentials }), agentOptions);
}

function createClient(config: S3Config, guard: TrustGuard | undefined): S3Client {
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
          ...(config.assumeRole.stsEndpoint
            ? { endpoint: config.assumeRole.stsEndpoint, requestHandler: { ...agentsFor(config, guard, 'aws.s3.sts.endpoint'), connectionTimeout: 5_000 } }
            : {}),
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
    requestHandler: {
      ...(config.endpoint ? agentsFor(config, guard, 'aws.s3.endpoint') : { httpAgent, httpsAgent }),
      connectionTimeout: 5_000,
      requestTimeout: 120_000,
    },
  });
}
