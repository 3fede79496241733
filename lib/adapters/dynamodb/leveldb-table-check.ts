import { crc32c, unmaskCrc } from './crc32c.ts';
import { ByteReader, Damage, u32 } from './leveldb-bytes.ts';
import { snappyDecompress } from './snappy-decompress.ts';

const FOOTER_SIZE = 48;
const TRAILER_SIZE = 5; // type byte and masked CRC-32C after every block
const MAGIC_LOW = 0x8b80fb57;
const MAGIC_HIGH = 0xdb477524;

interface BlockHandle {
  offset: number;
  size: number;
}

/**
 * Checks every block of a LevelDB table (`.ldb`/`.sst`) against its CRC-32C: the data blocks the index
 * names, the meta blocks (the bloom filter) and the index blocks themselves. LevelDB does not verify
 * these checksums on reads unless told to, and the binding dynalite uses cannot tell it, so a flipped
 * byte would otherwise come back as wrong data, or as an exception deep inside a request.
 */
export function checkTable(bytes: Uint8Array): void {
  if (bytes.length < FOOTER_SIZE) throw new Damage(`${bytes.length} bytes is too short for a table`);
  const footer = bytes.length - FOOTER_SIZE;
  if (u32(bytes, bytes.length - 8) !== MAGIC_LOW || u32(bytes, bytes.length - 4) !== MAGIC_HIGH) {
    throw new Damage('bad magic number in the table footer');
  }
  const reader = new ByteReader(bytes, footer);
  const metaIndex = handle(reader);
  const index = handle(reader);
  for (const value of blockValues(readBlock(bytes, index, footer, 'index'))) readBlock(bytes, handle(new ByteReader(value)), footer, 'data', false);
  for (const value of blockValues(readBlock(bytes, metaIndex, footer, 'meta index'))) readBlock(bytes, handle(new ByteReader(value)), footer, 'meta', false);
}

function handle(reader: ByteReader): BlockHandle {
  try {
    return { offset: reader.varint(), size: reader.varint() };
  } catch {
    throw new Damage('bad block handle');
  }
}

function readBlock(bytes: Uint8Array, h: BlockHandle, limit: number, what: string, contents = true): Uint8Array {
  const end = h.offset + h.size;
  if (end + TRAILER_SIZE > limit) throw new Damage(`${what} block at offset ${h.offset} runs past the end of the table`);
  if (unmaskCrc(u32(bytes, end + 1)) !== crc32c(bytes, h.offset, end + 1)) {
    throw new Damage(`${what} block checksum mismatch at offset ${h.offset}`);
  }
  const type = bytes[end]!;
  if (type > 1) throw new Damage(`bad block type ${type} at offset ${h.offset}`);
  const raw = bytes.subarray(h.offset, end);
  if (!contents || type === 0) return raw;
  try {
    return snappyDecompress(raw);
  } catch (e) {
    throw new Damage(`${what} block at offset ${h.offset} does not decompress: ${(e as Error).message}`);
  }
}

/** The values of a block's entries (prefix-compressed keys, then a restart array LevelDB uses for seeks). */
function* blockValues(block: Uint8Array): Generator<Uint8Array> {
  if (block.length < 4) throw new Damage('block is too short');
  const restarts = u32(block, block.length - 4);
  const entriesEnd = block.length - 4 * (restarts + 1);
  if (entriesEnd < 0) throw new Damage('bad restart array in block');
  if (restarts === 0) return; // an empty block
  const reader = new ByteReader(block, 0, entriesEnd);
  let keyLength = 0;
  try {
    while (!reader.done) {
      const shared = reader.varint();
      const unshared = reader.varint();
      const valueLength = reader.varint();
      if (shared > keyLength) throw new Damage('bad entry in block');
      reader.slice(unshared);
      keyLength = shared + unshared;
      yield reader.slice(valueLength);
    }
  } catch (e) {
    throw e instanceof Damage && e.message !== 'truncated value' ? e : new Damage('bad entry in block');
  }
}
