import { MemoryObjectStore } from '../../../lib/adapters/storage/memory/memory-object-store.ts';
import { runObjectStoreConformance } from './conformance.ts';

let n = 0;
runObjectStoreConformance('memory (private)', () => new MemoryObjectStore());
runObjectStoreConformance('memory (named, under a path)', () => MemoryObjectStore.named(`conformance-${++n}`, 'repo/root'));
