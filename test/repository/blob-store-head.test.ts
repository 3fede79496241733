import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../lib/adapters/storage/memory/memory-object-store.ts';
import { zstdCompressor } from '../../lib/adapters/zstd/zstd-compressor.ts';
import { Compression } from '../../lib/domain/compression.ts';
import { blobStore } from '../../lib/repository/blob-store.ts';

const body = Buffer.from('some blob content');
const sha = createHash('sha256').update(body).digest('hex');
const key = `r/__blobs/${sha.slice(0, 2)}/${sha}`;

describe('blobStore head', () => {
  it('answers for either form by default, and only for the written one with headWrittenForm', async () => {
    const raw = new MemoryObjectStore();
    await blobStore(raw, zstdCompressor(), Compression.ZSTD).put(key, body, { sha256: sha, size: body.length });
    expect(await blobStore(raw, zstdCompressor()).head(key)).toEqual({ key: `${key}.zst`, size: body.length });
    expect(await blobStore(raw, zstdCompressor(), Compression.ZSTD, { headWrittenForm: true }).head(key)).toEqual({ key: `${key}.zst`, size: body.length });
    // An upload batch writing plain blobs does not ask about the compressed form: the plan did.
    expect(await blobStore(raw, zstdCompressor(), Compression.NONE, { headWrittenForm: true }).head(key)).toBeUndefined();
    await raw.put(key, body);
    expect(await blobStore(raw, zstdCompressor(), Compression.NONE, { headWrittenForm: true }).head(key)).toEqual({ key, size: body.length });
  });
});
