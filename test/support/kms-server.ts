import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for AWS KMS, speaking its wire protocol (JSON 1.1: `POST /` with `X-Amz-Target:
 * TrentService.<Action>`, blobs in base64, errors as `{"__type", "message"}`), so `KMSClient` runs
 * unchanged against it: `new KMSClient({ endpoint, region, credentials, maxAttempts: 1 })`.
 *
 * - Encrypt, Decrypt and GenerateDataKey, AES-256-GCM under one secret per key it knows. The ciphertext
 *   names its key and is bound to it and to the encryption context: Decrypt with another context, or
 *   of a damaged blob, is `InvalidCiphertextException`; Decrypt with a `KeyId` other than the blob's key
 *   is `IncorrectKeyException`; a key it does not know is `NotFoundException`, all 400 as KMS sends them.
 * - Signatures are not checked (any SigV4-signed request goes), but `requests` records each request's
 *   action, the access key id of its Authorization header, its KeyId and its encryption context.
 * - `failNext(name, times)` answers the next `times` requests with that error: 500 for
 *   KMSInternalException and KeyUnavailableException, 503 for DependencyTimeoutException, else 400
 *   (ThrottlingException, AccessDeniedException, …). Use `maxAttempts: 1` to see it without SDK retries.
 */
export interface KmsTestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The ARN of the key the server starts with. */
  keyArn: string;
  requests: KmsRequest[];
  /** Makes another key and returns its ARN. */
  createKey(): string;
  failNext(errorName: string, times?: number): void;
  close(): Promise<void>;
}

export interface KmsRequest {
  action: string;
  accessKeyId?: string;
  keyId?: string;
  context?: Record<string, string>;
}

export interface KmsServerOptions {
  region?: string;
  account?: string;
}

const STATUS: Record<string, number> = { KMSInternalException: 500, KeyUnavailableException: 500, DependencyTimeoutException: 503 };

class KmsFault extends Error {
  constructor(readonly type: string, message: string, readonly status = STATUS[type] ?? 400) {
    super(message);
  }
}

export async function startKmsServer(options: KmsServerOptions = {}): Promise<KmsTestServer> {
  const prefix = `arn:aws:kms:${options.region ?? 'us-east-1'}:${options.account ?? '111122223333'}:key/`;
  const keys = new Map<string, Buffer>();
  const createKey = () => {
    const arn = prefix + randomUUID();
    keys.set(arn, randomBytes(32));
    return arn;
  };
  const keyArn = createKey();
  const requests: KmsRequest[] = [];
  const faults: string[] = [];

  /** A KeyId as KMS takes it: the key's ARN or its bare id. */
  const resolve = (keyId: unknown): string => {
    const arn = typeof keyId === 'string' && !keyId.startsWith('arn:') ? prefix + keyId : keyId;
    if (typeof arn !== 'string' || !keys.has(arn)) throw new KmsFault('NotFoundException', `Key '${String(keyId)}' does not exist`);
    return arn;
  };
  const encrypt = (arn: string, plain: Buffer, context: unknown): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keys.get(arn)!, iv).setAAD(aad(arn, context));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const name = Buffer.from(arn);
    return Buffer.concat([Buffer.from([name.length]), name, iv, cipher.getAuthTag(), body]).toString('base64');
  };

  const actions: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
    Encrypt: (input) => {
      const arn = resolve(input.KeyId);
      return { KeyId: arn, CiphertextBlob: encrypt(arn, Buffer.from(String(input.Plaintext), 'base64'), input.EncryptionContext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    GenerateDataKey: (input) => {
      const arn = resolve(input.KeyId);
      const plain = randomBytes(Number(input.NumberOfBytes ?? (input.KeySpec === 'AES_128' ? 16 : 32)));
      return { KeyId: arn, Plaintext: plain.toString('base64'), CiphertextBlob: encrypt(arn, plain, input.EncryptionContext) };
    },
    Decrypt: (input) => {
      const invalid = new KmsFault('InvalidCiphertextException', '');
      const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
      const nameLength = blob[0] ?? 0;
      if (blob.length < 1 + nameLength + 28) throw invalid;
      const named = blob.subarray(1, 1 + nameLength).toString();
      if (!named.startsWith('arn:aws:kms:')) throw invalid;
      const arn = resolve(named);
      if (input.KeyId !== undefined && resolve(input.KeyId) !== arn) {
        throw new KmsFault('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
      }
      const at = 1 + nameLength;
      const decipher = createDecipheriv('aes-256-gcm', keys.get(arn)!, blob.subarray(at, at + 12)).setAAD(aad(arn, input.EncryptionContext));
      decipher.setAuthTag(blob.subarray(at + 12, at + 28));
      try {
        const plain = Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]);
        return { KeyId: arn, Plaintext: plain.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } catch {
        throw invalid;
      }
    },
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const action = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return reply(res, 400, { __type: 'SerializationException', message: 'Malformed JSON' });
    }
    const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    requests.push({
      action,
      ...(accessKeyId ? { accessKeyId } : {}),
      ...(typeof input.KeyId === 'string' ? { keyId: input.KeyId } : {}),
      ...(input.EncryptionContext ? { context: input.EncryptionContext as Record<string, string> } : {}),
    });
    try {
      const fault = faults.shift();
      if (fault) throw new KmsFault(fault, `${fault} injected by the test`);
      const run = actions[action];
      if (!run) throw new KmsFault('UnknownOperationException', '');
      reply(res, 200, run(input));
    } catch (e) {
      if (!(e instanceof KmsFault)) throw e;
      reply(res, e.status, { __type: e.type, ...(e.message ? { message: e.message } : {}) });
    }
  }
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keyArn,
    requests,
    createKey,
    failNext: (errorName, times = 1) => { for (let i = 0; i < times; i++) faults.push(errorName); },
    close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

/** What the tag binds besides the plaintext: the key, and the context in a canonical (sorted) order. */
function aad(arn: string, context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify([arn, entries]));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() }).end(JSON.stringify(body));
}
