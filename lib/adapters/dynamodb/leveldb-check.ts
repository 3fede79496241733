import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DamagedStoreError } from './damaged-store-error.ts';
import { ByteReader, Damage } from './leveldb-bytes.ts';
import { logRecords } from './leveldb-log.ts';
import { checkTable } from './leveldb-table-check.ts';

const TABLE_FILE = /^(\d+)\.(ldb|sst)$/;
const LOG_FILE = /^(\d+)\.log$/;
/** A write batch starts with an 8-byte sequence number and a 4-byte count. */
const MIN_BATCH_SIZE = 12;

/**
 * Verifies a LevelDB store folder without opening it: CURRENT names a readable MANIFEST, every table the
 * MANIFEST lists exists at its recorded size with every block's checksum right, and the write-ahead logs
 * LevelDB would replay have no damaged record. Read-only, so a damaged store is reported exactly as it was
 * found: opening it would replay the logs and could compact the damaged tables, dropping or rewriting the
 * damage past finding. Files another process changes meanwhile (it owns the store and compacts) are not
 * damage: a listed file that vanishes while CURRENT moves on is checked again from the new CURRENT.
 */
export async function checkLevelStore(dir: string): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const current = await readIfExists(join(dir, 'CURRENT'));
    try {
      if (current === undefined) return await checkWithoutCurrent(dir);
      return await checkVersion(dir, current);
    } catch (e) {
      if (!(e instanceof Vanished)) throw e;
      if (await moved(dir, current, e)) continue;
      throw new DamagedStoreError(dir, e.file, `is missing (${e.listedIn} lists it)`);
    }
  }
  // The store kept changing under the check: another process owns it, and opening it will say so.
}

/** A file listed in CURRENT or the MANIFEST is missing. */
class Vanished extends Error {
  constructor(readonly file: string, readonly listedIn: string, readonly manifest?: { file: string; size: number }) {
    super(`${file} is missing`);
  }
}

/** Whether CURRENT or the MANIFEST changed since they were read: an owner at work, not damage. */
async function moved(dir: string, current: Buffer | undefined, vanished: Vanished): Promise<boolean> {
  const now = await readIfExists(join(dir, 'CURRENT'));
  if (now === undefined || current === undefined || !now.equals(current)) return true;
  if (!vanished.manifest) return false;
  return (await readIfExists(vanished.manifest.file))?.length !== vanished.manifest.size;
}

async function checkWithoutCurrent(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  // LevelDB would start an empty store here and delete these files as obsolete.
  const data = names.filter((n) => TABLE_FILE.test(n) || LOG_FILE.test(n));
  if (data.length > 0) throw new DamagedStoreError(dir, join(dir, 'CURRENT'), `is missing, yet the folder holds ${data.sort().join(', ')}`);
}

interface Version {
  logNumber?: number;
  prevLogNumber?: number;
  nextFile?: number;
  lastSequence?: number;
  /** Live table number -> size in bytes. */
  tables: Map<number, number>;
}

async function checkVersion(dir: string, current: Buffer): Promise<void> {
  const currentFile = join(dir, 'CURRENT');
  const name = /^(MANIFEST-\d+)\n$/.exec(current.toString('latin1'))?.[1];
  if (!name) throw new DamagedStoreError(dir, currentFile, 'does not name a MANIFEST file');
  const manifestFile = join(dir, name);
  const manifest = await readIfExists(manifestFile);
  if (manifest === undefined) throw new Vanished(manifestFile, 'CURRENT');
  const version: Version = { tables: new Map() };
  try {
    for (const record of logRecords(manifest)) applyEdit(record, version);
  } catch (e) {
    if (e instanceof Damage) throw new DamagedStoreError(dir, manifestFile, e.message);
    throw e;
  }
  const { logNumber, prevLogNumber } = version;
  if (logNumber === undefined || version.nextFile === undefined || version.lastSequence === undefined) {
    throw new DamagedStoreError(dir, manifestFile, 'lacks the log number, next file number or last sequence');
  }
  const names = await readdir(dir);
  const tableNames = new Map<number, string>();
  for (const n of names) {
    const m = TABLE_FILE.exec(n);
    // LevelDB looks for NNNNNN.ldb first, then the older NNNNNN.sst.
    if (m && (m[2] === 'ldb' || !tableNames.has(Number(m[1])))) tableNames.set(Number(m[1]), n);
  }
  for (const [number, size] of version.tables) {
    const fileName = tableNames.get(number) ?? `${String(number).padStart(6, '0')}.ldb`;
    const file = join(dir, fileName);
    const bytes = await readIfExists(file);
    if (bytes === undefined) throw new Vanished(file, name, { file: manifestFile, size: manifest.length });
    if (bytes.length !== size) throw new DamagedStoreError(dir, file, `is ${bytes.length} bytes, ${name} records ${size}`);
    guard(dir, file, () => checkTable(bytes));
  }
  for (const n of names) {
    const m = LOG_FILE.exec(n);
    if (!m || !(Number(m[1]) >= logNumber || Number(m[1]) === prevLogNumber)) continue;
    const file = join(dir, n);
    const bytes = await readIfExists(file);
    if (bytes === undefined) continue; // replayed and removed by the store's owner meanwhile
    guard(dir, file, () => {
      for (const record of logRecords(bytes)) {
        if (record.length < MIN_BATCH_SIZE) throw new Damage('log record is too small for a write batch');
      }
    });
  }
}

/** One VersionEdit of the MANIFEST: the tables it removes, then the ones it adds (a move is both). */
function applyEdit(record: Uint8Array, version: Version): void {
  const reader = new ByteReader(record);
  const deleted: number[] = [];
  const added: [number, number][] = [];
  while (!reader.done) {
    const tag = reader.varint();
    switch (tag) {
      case 1: reader.lengthPrefixed(); break; // comparator name
      case 2: version.logNumber = reader.varint(); break;
      case 3: version.nextFile = reader.varint(); break;
      case 4: version.lastSequence = reader.varint(); break;
      case 5: reader.varint(); reader.lengthPrefixed(); break; // compaction pointer: level, key
      case 6: reader.varint(); deleted.push(reader.varint()); break; // level, number
      case 7: { // level, number, size, smallest key, largest key
        reader.varint();
        const number = reader.varint();
        const size = reader.varint();
        reader.lengthPrefixed();
        reader.lengthPrefixed();
        added.push([number, size]);
        break;
      }
      case 9: version.prevLogNumber = reader.varint(); break;
      default: throw new Damage(`unknown field ${tag} in a version edit`);
    }
  }
  for (const number of deleted) version.tables.delete(number);
  for (const [number, size] of added) version.tables.set(number, size);
}

function guard(dir: string, file: string, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof Damage) throw new DamagedStoreError(dir, file, e.message);
    throw e;
  }
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
