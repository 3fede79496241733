import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { IntegrityError } from '../../domain/errors.ts';
import type { SecretSealer } from '../../ports/secret-sealer.ts';

/**
 * The embedded sealer: AES-256-GCM under a random key kept in a file of the home with mode 0600, created
 * on first use. The repository name is the additional authenticated data.
 */
export class LocalKeySealer implements SecretSealer {
  private key?: Buffer;

  constructor(private readonly keyFile: string) {}

  async seal(secrets: Record<string, string>, context: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.load(), iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  async unseal(sealed: string, context: string): Promise<Record<string, string>> {
    try {
      const raw = Buffer.from(sealed.replace(/^v1:/, ''), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.load(), raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw new IntegrityError(`The credentials of repository ${context} cannot be opened with the key in ${this.keyFile}`);
    }
  }

  private load(): Buffer {
    if (this.key) return this.key;
    try {
      this.key = Buffer.from(readFileSync(this.keyFile, 'utf8').trim(), 'base64');
    } catch {
      const key = randomBytes(32);
      try {
        writeFileSync(this.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
        this.key = key;
      } catch {
        // Another process created it first: use theirs.
        this.key = Buffer.from(readFileSync(this.keyFile, 'utf8').trim(), 'base64');
      }
    }
    chmodSync(this.keyFile, 0o600);
    return this.key;
  }
}
