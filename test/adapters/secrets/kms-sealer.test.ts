import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsSealer } from '../../../lib/adapters/secrets/kms-sealer.ts';
import { ErrorName, IntegrityError, StorageError } from '../../../lib/domain/errors.ts';
import { type KmsTestServer, startKmsServer } from '../../support/kms-server.ts';

const ACCESS_KEY = 'AKIDKMSSEALERTEST';
let kms: KmsTestServer;
beforeAll(async () => { kms = await startKmsServer({ region: 'eu-west-3' }); });
afterAll(async () => kms?.close());

/** One attempt per call, so an injected fault reaches the sealer instead of the SDK's own retries. */
function sealer(keyId = kms.keyArn, endpoint = kms.endpoint): KmsSealer {
  return new KmsSealer(keyId, new KMSClient({ endpoint, region: 'eu-west-3', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret' }, maxAttempts: 1 }));
}

async function failure(run: Promise<unknown>): Promise<Error> {
  const e = await run.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof Error)) throw new Error('expected a failure');
  return e;
}

describe('KmsSealer against a KMS stand-in', () => {
  it('seals under the configured key and context, and opens only with both', async () => {
    kms.requests.length = 0;
    const secrets = { 'aws.s3.secret_key': 'sk-value' };
    const sealed = await sealer().seal(secrets, 'repo_a');
    expect(sealed).toMatch(/^kms:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('sk-value');
    expect(await sealer().unseal(sealed, 'repo_a')).toEqual(secrets);
    expect(kms.requests).toEqual([
      { action: 'Encrypt', accessKeyId: ACCESS_KEY, keyId: kms.keyArn, context: { repository: 'repo_a' } },
      { action: 'Decrypt', accessKeyId: ACCESS_KEY, keyId: kms.keyArn, context: { repository: 'repo_a' } },
    ]);
  });

  it('refuses a sealed value moved to another repository, sealed under another key, or damaged', async () => {
    const sealed = await sealer().seal({ k: 'v' }, 'repo_a');
    const moved = await failure(sealer().unseal(sealed, 'repo_b'));
    expect(moved).toBeInstanceOf(IntegrityError);
    expect(moved.message).toBe(
      `The sealed credentials of repository repo_b cannot be opened with key ${kms.keyArn}: InvalidCiphertextException (HTTP 400); ` +
        'they were sealed under another key or for another repository, or are damaged: CREATE REPOSITORY again with the credentials',
    );
    const other = await sealer(kms.createKey()).seal({ k: 'v' }, 'repo_a');
    const wrongKey = await failure(sealer().unseal(other, 'repo_a'));
    expect(wrongKey).toBeInstanceOf(IntegrityError);
    expect(wrongKey.message).toContain(`cannot be opened with key ${kms.keyArn}: IncorrectKeyException (HTTP 400): The key ID in the request`);
    const damaged = `kms:${Buffer.from('not a ciphertext').toString('base64')}`;
    expect((await failure(sealer().unseal(damaged, 'repo_a'))).name).toBe(ErrorName.Integrity);
  });

  it.each([
    ['ThrottlingException', 400],
    ['KMSInternalException', 500],
    ['DependencyTimeoutException', 503],
    ['KeyUnavailableException', 500],
  ])('retries %s', async (fault, status) => {
    kms.failNext(fault);
    const e = await failure(sealer().unseal('kms:AAAA', 'repo_a'));
    expect(e.name).toBe(ErrorName.RetryableStorage);
    expect((e as StorageError).retryable).toBe(true);
    expect(e.message).toBe(`KMS could not open the credentials of repository repo_a with key ${kms.keyArn}: ${fault} (HTTP ${status}): ${fault} injected by the test`);
  });

  it.each(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException'])('does not retry %s, and says what the role needs', async (fault) => {
    kms.failNext(fault);
    const e = await failure(sealer().unseal('kms:AAAA', 'repo_a'));
    expect(e.name).toBe(ErrorName.Storage);
    expect(e.message).toBe(
      `KMS refused to open the credentials of repository repo_a with key ${kms.keyArn}: ${fault} (HTTP 400): ${fault} injected by the test. ` +
        `Check that the function's role may use kms:Decrypt on key ${kms.keyArn} with the encryption context 'repository'`,
    );
    kms.failNext(fault);
    expect((await failure(sealer().seal({ k: 'v' }, 'repo_a'))).message).toContain(`KMS refused to seal the credentials of repository repo_a with key ${kms.keyArn}: ${fault}`);
    kms.failNext(fault);
    expect((await failure(sealer().seal({ k: 'v' }, 'repo_a'))).message).toContain('may use kms:Encrypt on key');
  });

  it.each(['DisabledException', 'KMSInvalidStateException'])('does not retry %s, and says to check the key', async (fault) => {
    kms.failNext(fault);
    const e = await failure(sealer().unseal('kms:AAAA', 'repo_a'));
    expect(e.name).toBe(ErrorName.Storage);
    expect(e.message).toBe(
      `KMS cannot open the credentials of repository repo_a with key ${kms.keyArn}: ${fault} (HTTP 400): ${fault} injected by the test. ` +
        `Check that key ${kms.keyArn} exists in this account and region and is enabled`,
    );
  });

  it('does not retry a key that does not exist', async () => {
    const missing = kms.keyArn.replace(/key\/.*$/, 'key/00000000-0000-0000-0000-000000000000');
    const e = await failure(sealer(missing).seal({ k: 'v' }, 'repo_a'));
    expect(e.name).toBe(ErrorName.Storage);
    expect(e.message).toBe(
      `KMS cannot seal the credentials of repository repo_a with key ${missing}: NotFoundException (HTTP 400): Key '${missing}' does not exist. ` +
        `Check that key ${missing} exists in this account and region and is enabled`,
    );
  });

  it('does not retry another client error, and retries an unreachable KMS', async () => {
    kms.failNext('ValidationException');
    const invalid = await failure(sealer().unseal('kms:AAAA', 'repo_a'));
    expect(invalid.name).toBe(ErrorName.Storage);
    expect(invalid.message).toBe(`KMS could not open the credentials of repository repo_a with key ${kms.keyArn}: ValidationException (HTTP 400): ValidationException injected by the test`);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await failure(sealer(kms.keyArn, `http://127.0.0.1:${port}`).unseal('kms:AAAA', 'repo_a'));
    expect(unreachable.name).toBe(ErrorName.RetryableStorage);
    expect(unreachable.message).toBe(`Cannot reach KMS to open the credentials of repository repo_a with key ${kms.keyArn}: ECONNREFUSED`);
  });
});

describe('the KMS stand-in', () => {
  it('makes data keys that Decrypt opens under the same context only', async () => {
    const client = new KMSClient({ endpoint: kms.endpoint, region: 'eu-west-3', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret' }, maxAttempts: 1 });
    const context = { repository: 'repo_a' };
    const key = await client.send(new GenerateDataKeyCommand({ KeyId: kms.keyArn, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(key.KeyId).toBe(kms.keyArn);
    expect(key.Plaintext).toHaveLength(32);
    const opened = await client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context }));
    expect(Buffer.from(opened.Plaintext!).equals(Buffer.from(key.Plaintext!))).toBe(true);
    await expect(client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: { repository: 'repo_b' } })))
      .rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });
});
