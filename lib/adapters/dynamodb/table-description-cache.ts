import dynaliteDb from 'dynalite/db/index.js';

type Callback = (err: Error | null, value?: unknown) => void;
interface TableDb {
  get(key: string, cb: Callback): void;
  put(key: string, value: unknown, cb: Callback): void;
  del(key: string, cb: Callback): void;
  batch(ops: unknown[], cb: Callback): void;
}

let installed = false;

/**
 * dynalite reads a table's description from its LevelDB store at every request (its getTable), a
 * synchronous native read that was an eighth of a RESTORE's CPU. A description changes only through
 * CreateTable, UpdateTable and DeleteTable, which all write it through the store's tableDb: each store made
 * after this call keeps the descriptions it read, and forgets one when it is written. A read that started
 * before a write is not kept (the write may have overtaken it). dynalite changes a description in place
 * only right before it writes it, so handing out the kept object is what the read would have returned.
 */
export function cacheTableDescriptions(): void {
  if (installed) return;
  installed = true;
  const create = dynaliteDb.create;
  dynaliteDb.create = (options) => {
    const store = create(options);
    keepDescriptions(store.tableDb as TableDb);
    return store;
  };
}

function keepDescriptions(tableDb: TableDb): void {
  const kept = new Map<string, unknown>();
  let writes = 0;
  const { get, put, del, batch } = tableDb;
  tableDb.get = (key, cb) => {
    if (kept.has(key)) {
      const value = kept.get(key);
      process.nextTick(() => cb(null, value));
      return;
    }
    const before = writes;
    get.call(tableDb, key, (err, value) => {
      if (!err && writes === before) kept.set(key, value);
      cb(err, value);
    });
  };
  tableDb.put = (key, value, cb) => {
    writes++;
    kept.delete(key);
    put.call(tableDb, key, value, cb);
  };
  tableDb.del = (key, cb) => {
    writes++;
    kept.delete(key);
    del.call(tableDb, key, cb);
  };
  tableDb.batch = (ops, cb) => {
    writes++;
    kept.clear();
    batch.call(tableDb, ops, cb);
  };
}
