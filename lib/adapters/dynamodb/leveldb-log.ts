import { crc32c, unmaskCrc } from './crc32c.ts';
import { Damage, u32 } from './leveldb-bytes.ts';

const BLOCK_SIZE = 32768;
const HEADER_SIZE = 7;
const enum RecordType { Zero = 0, Full = 1, First = 2, Middle = 3, Last = 4 }

/**
 * The logical records of a file in LevelDB's log format (the write-ahead `.log` files and the MANIFEST),
 * read the way LevelDB's log::Reader reads them, except that every corruption it would report throws a
 * Damage: a checksum mismatch, a bad record length or type, a broken fragment sequence. What a writer
 * killed mid-append leaves is not damage and ends the file quietly: a truncated header or record in the
 * last, partial block, and a fragmented record without its end.
 */
export function logRecords(bytes: Uint8Array): Uint8Array[] {
  const records: Uint8Array[] = [];
  let pending: Uint8Array[] | undefined;
  for (let block = 0; block < bytes.length; block += BLOCK_SIZE) {
    const end = Math.min(block + BLOCK_SIZE, bytes.length);
    const lastPartial = end - block < BLOCK_SIZE;
    let p = block;
    while (end - p >= HEADER_SIZE) {
      const length = bytes[p + 4]! | (bytes[p + 5]! << 8);
      const type = bytes[p + 6]!;
      if (p + HEADER_SIZE + length > end) {
        if (lastPartial) return records;
        throw new Damage(`bad record length at offset ${p}`);
      }
      if (type === RecordType.Zero && length === 0) break; // the rest of the block is padding
      if (unmaskCrc(u32(bytes, p)) !== crc32c(bytes, p + 6, p + HEADER_SIZE + length)) {
        throw new Damage(`log record checksum mismatch at offset ${p}`);
      }
      const payload = bytes.subarray(p + HEADER_SIZE, p + HEADER_SIZE + length);
      p += HEADER_SIZE + length;
      if (type === RecordType.Full || type === RecordType.First) {
        // An empty first fragment before a new record is what old LevelDB writers left at a block's end.
        if (pending?.some((part) => part.length > 0)) throw new Damage(`partial record without end before offset ${p - HEADER_SIZE - length}`);
        if (type === RecordType.Full) records.push(payload);
        else pending = [payload];
      } else if (type === RecordType.Middle || type === RecordType.Last) {
        if (!pending) throw new Damage(`missing start of fragmented record at offset ${p - HEADER_SIZE - length}`);
        pending.push(payload);
        if (type === RecordType.Last) {
          records.push(Buffer.concat(pending));
          pending = undefined;
        }
      } else {
        throw new Damage(`unknown record type ${type} at offset ${p - HEADER_SIZE - length}`);
      }
    }
  }
  return records;
}
