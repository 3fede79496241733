import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../lib/adapters/storage/file/file-object-store.ts';
import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import {
  openObjectStore,
  registerStorageBackend,
  supportedSchemes,
  validateStorageLocation,
} from '../../../lib/adapters/storage/registry.ts';
import { AnalysisError } from '../../../lib/domain/errors.ts';
import { getText, listAll } from '../../../lib/ports/object-io.ts';
import { useTempDirs } from '../../support/temp-dirs.ts';

const temp = useTempDirs('registry');

describe('openObjectStore', () => {
  it('opens an absolute, percent-encoded file location', async () => {
    const root = path.join(await temp.make(), 'my backups');
    await mkdir(root);
    const location = pathToFileURL(root).href;
    expect(location).toContain('my%20backups');
    const store = openObjectStore(location);
    expect(store.description).toBe(new FileObjectStore(root).description);
    await store.put('__repo_info', '{"name":"r"}');
    expect(await readFile(path.join(root, '__repo_info'), 'utf8')).toBe('{"name":"r"}');
    expect(await getText(openObjectStore(`file://localhost${pathToFileURL(root).pathname}`), '__repo_info')).toBe('{"name":"r"}');
  });

  it.each(['file://relative/dir', 'file:relative', 'file:/single-slash', 'file:///a/%2F/b'])(
    'rejects the file location %s',
    (location) => {
      const err = catchError(() => openObjectStore(location));
      expect(err).toBeInstanceOf(AnalysisError);
      expect((err as Error).message).toContain(location);
    },
  );

  it('shares a memory namespace between stores on the same name', async () => {
    const a = openObjectStore('memory://shared-ns/repo');
    const b = openObjectStore('memory://shared-ns/repo');
    expect(a.description).toBe('memory://shared-ns/repo');
    await a.put('k', 'v');
    expect(await getText(b, 'k')).toBe('v');
    expect(await listAll(openObjectStore('memory://shared-ns'), '')).toEqual(['repo/k']);
    expect(await listAll(openObjectStore('memory://shared-ns/other'), '')).toEqual([]);
    expect(await listAll(openObjectStore('memory://another-ns/repo'), '')).toEqual([]);
  });

  it.each(['memory://', 'memory://x/../y', 'memory:x'])('rejects the memory location %s', (location) => {
    expect(() => openObjectStore(location)).toThrow(AnalysisError);
  });

  it('names the location and the supported schemes for an unknown scheme', () => {
    const err = catchError(() => openObjectStore('ftp://host/path'));
    expect(err).toBeInstanceOf(AnalysisError);
    expect((err as Error).message).toContain('ftp://host/path');
    expect((err as Error).message).toContain("'ftp'");
    expect((err as Error).message).toContain('file://');
    expect((err as Error).message).toContain('memory://');
    expect(() => openObjectStore('/no/scheme')).toThrow(/no URI scheme.*file:\/\//);
  });

  it('validates without opening', () => {
    expect(() => validateStorageLocation('file:///tmp/x')).not.toThrow();
    expect(() => validateStorageLocation('s4://bucket')).toThrow(AnalysisError);
  });

  it('takes new backends by scheme', async () => {
    registerStorageBackend({
      schemes: ['test-mem'],
      secretProperties: [],
      parse: (location, properties) => ({ name: location.slice('test-mem://'.length), tag: properties.tag ?? '' }),
      open: (config) => MemoryObjectStore.named(`test-${config.name}-${config.tag}`),
    });
    expect(supportedSchemes()).toContain('test-mem');
    const store = openObjectStore('TEST-MEM://bucket', { tag: 't' });
    await store.put('a', 'b');
    expect(await getText(MemoryObjectStore.named('test-bucket-t'), 'a')).toBe('b');
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
