/**
 * A client of the deployed HTTP API: `POST /v1/sql` signed with SigV4 (service `execute-api`), as the
 * route's IAM authorization requires, with the caller's credentials from the AWS SDK's default chain
 * (environment, profile, SSO, instance or task role). What the post-deploy smoke test uses; any tool
 * that can sign (awscurl, an SDK) reaches the API the same way.
 */
import { createHash, createHmac } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ApiResponseBody } from '../../domain/api-types.ts';

/** The hash SignatureV4 asks for, on Node's crypto (the SDK's own hash package is not a dependency of ours). */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface SignedAnswer {
  status: number;
  body: ApiResponseBody;
}

export interface SignedSqlClientOptions {
  /** The stack's `SqlUrl` output: `https://<api-id>.execute-api.<region>.amazonaws.com/v1/sql`. */
  url: string;
  region: string;
  /** Defaults to the SDK's default credential chain. */
  credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
  /** Per request; API Gateway itself gives up after 30 s. */
  timeoutMs?: number;
}

export class SignedSqlClient {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(private readonly options: SignedSqlClientOptions) {
    this.url = new URL(options.url);
    this.signer = new SignatureV4({
      service: 'execute-api',
      region: options.region,
      credentials: options.credentials ?? fromNodeProviderChain(),
      sha256: NodeSha256,
    });
  }

  async run(sql: string, database?: string): Promise<SignedAnswer> {
    const body = JSON.stringify(database === undefined ? { sql } : { sql, database });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: { host: this.url.host, 'content-type': 'application/json' },
      body,
    });
    const response = await fetch(this.url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 35_000),
    });
    const text = await response.text();
    let parsed: ApiResponseBody & { message?: string };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (!parsed.results && !parsed.error) {
      // API Gateway's own answers (403 from the IAM authorizer, 503 on a timeout) are {"message": "…"}.
      parsed = { results: [], error: { code: `HTTP ${response.status}`, message: parsed.message ?? text.slice(0, 500) } };
    }
    return { status: response.status, body: parsed };
  }
}
