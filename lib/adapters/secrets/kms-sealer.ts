import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { IntegrityError, StorageError } from '../../domain/errors.ts';
import type { SecretSealer } from '../../ports/secret-sealer.ts';

/**
 * The cloud sealer: KMS Encrypt with the repository name as encryption context. Repository secrets are a
 * few hundred bytes, well under KMS's 4 KiB plaintext limit, so no data key is needed.
 */
export class KmsSealer implements SecretSealer {
  constructor(private readonly keyId: string, private readonly client = new KMSClient({})) {}

  async seal(secrets: Record<string, string>, context: string): Promise<string> {
    try {
      const out = await this.client.send(new EncryptCommand({
        KeyId: this.keyId, Plaintext: Buffer.from(JSON.stringify(secrets), 'utf8'), EncryptionContext: { repository: context },
      }));
      return `kms:${Buffer.from(out.CiphertextBlob!).toString('base64')}`;
    } catch (e) {
      throw kmsFailure(e, 'seal', context, this.keyId);
    }
  }

  async unseal(sealed: string, context: string): Promise<Record<string, string>> {
    let plain: Uint8Array | undefined;
    try {
      const out = await this.client.send(new DecryptCommand({
        // With KeyId, KMS opens only what the configured key sealed, whatever key the blob names.
        KeyId: this.keyId, CiphertextBlob: Buffer.from(sealed.replace(/^kms:/, ''), 'base64'), EncryptionContext: { repository: context },
      }));
      plain = out.Plaintext;
    } catch (e) {
      throw kmsFailure(e, 'unseal', context, this.keyId);
    }
    try {
      return JSON.parse(Buffer.from(plain!).toString('utf8')) as Record<string, string>;
    } catch {
      throw new IntegrityError(`The sealed credentials of repository ${context} are corrupt`);
    }
  }
}

/** Worth another try: KMS or what it depends on is busy or briefly unavailable. */
const TRANSIENT = new Set([
  'ThrottlingException', 'KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException', 'TimeoutError',
  'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'InternalFailure',
]);
/** The caller's identity or its permissions: only a change to the role or its credentials helps. */
const ACCESS = new Set([
  'AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignature',
  'IncompleteSignatureException', 'InvalidClientTokenId', 'ExpiredTokenException', 'ExpiredToken', 'MissingAuthenticationToken',
  'MissingAuthenticationTokenException', 'CredentialsProviderError',
]);
/** The key itself: gone, disabled, or pending deletion or import. */
const KEY_STATE = new Set(['DisabledException', 'KMSInvalidStateException', 'NotFoundException']);
/** The ciphertext does not open under this key and context: another key, another repository, or damage. */
const UNOPENABLE = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
const NETWORK = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);

/**
 * Classifies a KMS failure so Step Functions retries only what a retry can fix. The SDK error is not kept
 * as cause (it carries request details); its name, HTTP status and KMS's message are what an operator needs.
 */
export function kmsFailure(err: unknown, op: 'seal' | 'unseal', repository: string, keyId: string): Error {
  const e = (err ?? {}) as { name?: string; code?: string; message?: string; cause?: { code?: string }; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = (e.message ?? '').trim();
  const detail = `${name}${status ? ` (HTTP ${status})` : ''}${message && message !== name && message !== 'UnknownError' ? `: ${message}` : ''}`;
  const verb = op === 'seal' ? 'seal' : 'open';
  const action = op === 'seal' ? 'kms:Encrypt' : 'kms:Decrypt';

  if (op === 'unseal' && UNOPENABLE.has(name)) {
    return new IntegrityError(
      `The sealed credentials of repository ${repository} cannot be opened with key ${keyId}: ${detail}; ` +
        'they were sealed under another key or for another repository, or are damaged: CREATE REPOSITORY again with the credentials',
    );
  }
  if (ACCESS.has(name) || status === 401 || status === 403) {
    return new StorageError(
      `KMS refused to ${verb} the credentials of repository ${repository} with key ${keyId}: ${detail}. ` +
        `Check that the function's role may use ${action} on key ${keyId} with the encryption context 'repository'`,
      false,
    );
  }
  if (KEY_STATE.has(name)) {
    return new StorageError(
      `KMS cannot ${verb} the credentials of repository ${repository} with key ${keyId}: ${detail}. ` +
        `Check that key ${keyId} exists in this account and region and is enabled`,
      false,
    );
  }
  const network = e.code ?? e.cause?.code;
  if (network && NETWORK.has(network)) {
    return new StorageError(`Cannot reach KMS to ${verb} the credentials of repository ${repository} with key ${keyId}: ${network}`, true);
  }
  const retryable = TRANSIENT.has(name) || status === 429 || (status ?? 0) >= 500;
  return new StorageError(`KMS could not ${verb} the credentials of repository ${repository} with key ${keyId}: ${detail}`, retryable);
}
