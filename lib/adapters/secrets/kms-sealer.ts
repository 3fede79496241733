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
      throw new StorageError(`KMS could not seal the credentials of repository ${context}: ${(e as Error).name}`, true);
    }
  }

  async unseal(sealed: string, context: string): Promise<Record<string, string>> {
    let plain: Uint8Array | undefined;
    try {
      const out = await this.client.send(new DecryptCommand({
        CiphertextBlob: Buffer.from(sealed.replace(/^kms:/, ''), 'base64'), EncryptionContext: { repository: context },
      }));
      plain = out.Plaintext;
    } catch (e) {
      throw new StorageError(`KMS could not open the credentials of repository ${context}: ${(e as Error).name}`, true);
    }
    try {
      return JSON.parse(Buffer.from(plain!).toString('utf8')) as Record<string, string>;
    } catch {
      throw new IntegrityError(`The sealed credentials of repository ${context} are corrupt`);
    }
  }
}
