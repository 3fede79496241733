import type { CatalogDef, DatabaseDef, FunctionDef, TableRecord, ViewDef } from '../domain/catalog-types.ts';
import { AlreadyExistsError, ConditionFailedError, NotFoundError } from '../domain/errors.ts';
import type { RecordChange, RecordKey, RecordTable, StoredRecord } from '../ports/record-table.ts';

/**
 * Typed access to the cluster catalog in its DynamoDB table. Databases live under one partition key so
 * SHOW DATABASES is one query; a database's objects share its partition key.
 */
const dbKey = (db: string): RecordKey => ({ pk: 'DBS', sk: db });
const tableKey = (db: string, table: string): RecordKey => ({ pk: `DB#${db}`, sk: `T#${table}` });
const viewKey = (db: string, view: string): RecordKey => ({ pk: `DB#${db}`, sk: `V#${view}` });
const functionKey = (db: string, f: FunctionDef): RecordKey => ({ pk: `DB#${db}`, sk: `F#${functionSignature(f)}` });
const catalogKey = (name: string): RecordKey => ({ pk: 'CATALOGS', sk: name });
/** A dropped table whose files may still be in the data store, until they are deleted (table-files.ts). */
const droppedKey = (tableId: string): RecordKey => ({ pk: 'DROPPED', sk: tableId });

/** What DROP leaves behind of a table it removed: enough to delete its files, and to tell it was dropped. */
export interface DroppedTable {
  db: string;
  name: string;
  tableId: string;
}

/** `name(INT, VARCHAR...)`: functions are overloaded, so the signature is the identity. */
export function functionSignature(f: Pick<FunctionDef, 'name' | 'argTypes' | 'variadic'>): string {
  return `${f.name}(${f.argTypes.join(', ')}${f.variadic ? ', ...' : ''})`;
}

export class CatalogStore {
  constructor(readonly table: RecordTable) {}

  async listDatabases(): Promise<DatabaseDef[]> {
    return (await this.table.query<DatabaseDef>('DBS')).map((r) => r.doc);
  }

  async getDatabase(db: string): Promise<DatabaseDef | undefined> {
    return (await this.table.get<DatabaseDef>(dbKey(db)))?.doc;
  }

  async requireDatabase(db: string): Promise<DatabaseDef> {
    const d = await this.getDatabase(db);
    if (!d) throw new NotFoundError(`Unknown database '${db}'`, { mysqlCode: 'ERR_BAD_DB_ERROR' });
    return d;
  }

  /** Returns false when it already existed. */
  async createDatabase(def: DatabaseDef): Promise<boolean> {
    try {
      await this.table.put(dbKey(def.name), def, { condition: { kind: 'absent' } });
      return true;
    } catch (e) {
      if (e instanceof ConditionFailedError) return false;
      throw e;
    }
  }

  /**
   * Removes the database record first, so nothing new can be created in it, then its objects; each table
   * is marked dropped before its record goes (see dropTable).
   */
  async dropDatabase(db: string): Promise<void> {
    await this.table.delete(dbKey(db));
    for (const r of await this.table.query<TableRecord>(`DB#${db}`)) {
      if (r.key.sk.startsWith('T#')) await this.markDropped({ db, name: r.doc.def.name, tableId: r.doc.def.id });
      await this.table.delete(r.key);
    }
  }

  async listTables(db: string): Promise<StoredRecord<TableRecord>[]> {
    return this.table.query<TableRecord>(`DB#${db}`, 'T#');
  }

  async getTable(db: string, name: string): Promise<StoredRecord<TableRecord> | undefined> {
    return this.table.get<TableRecord>(tableKey(db, name));
  }

  async requireTable(db: string, name: string): Promise<StoredRecord<TableRecord>> {
    const t = await this.getTable(db, name);
    if (!t) throw new NotFoundError(`Unknown table '${db}.${name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
    return t;
  }

  /** Tables, MVs and views share one namespace, as in StarRocks. */
  async nameTaken(db: string, name: string): Promise<'table' | 'view' | undefined> {
    if (await this.table.get(tableKey(db, name))) return 'table';
    if (await this.table.get(viewKey(db, name))) return 'view';
    return undefined;
  }

  /** `views`: the database's view names when the caller has just listed them (a restore of many tables). */
  async createTable(db: string, record: TableRecord, views?: ReadonlySet<string>): Promise<void> {
    if (views ? views.has(record.def.name) : await this.table.get(viewKey(db, record.def.name))) throw new AlreadyExistsError(`Table '${record.def.name}' already exists`, { mysqlCode: 'ERR_TABLE_EXISTS_ERROR' });
    try {
      await this.table.put(tableKey(db, record.def.name), record, { condition: { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AlreadyExistsError(`Table '${record.def.name}' already exists`, { mysqlCode: 'ERR_TABLE_EXISTS_ERROR' });
      throw e;
    }
  }

  /**
   * The one way a table record changes after its creation: RecordTable.update, a write conditioned on the
   * version read, a lost race retried on a fresh read under the one bounded policy. `change` gets a copy
   * of the record (undefined when there is no such table) and the record as read; it returns the record to
   * write, undefined to leave the table as it is, or throws to refuse.
   */
  changeTable(db: string, name: string, change: RecordChange<TableRecord>): Promise<StoredRecord<TableRecord> | undefined> {
    return this.table.update<TableRecord>(tableKey(db, name), change);
  }

  /** changeTable for an edit in place that always writes: `change` gets a copy and may throw to refuse. */
  async updateTable(db: string, name: string, change: (rec: TableRecord) => void): Promise<void> {
    await this.changeTable(db, name, (rec) => {
      if (!rec) throw new NotFoundError(`Unknown table '${db}.${name}'`, { mysqlCode: 'ERR_BAD_TABLE_ERROR' });
      change(rec);
      return rec;
    });
  }

  /**
   * The mark goes before the record: a drop that dies in between leaves a mark naming a table that still
   * exists, which the file collection skips, never a dropped table whose files nothing names.
   */
  async dropTable(db: string, table: TableRecord): Promise<void> {
    await this.markDropped({ db, name: table.def.name, tableId: table.def.id });
    await this.table.delete(tableKey(db, table.def.name));
  }

  private async markDropped(d: DroppedTable): Promise<void> {
    await this.table.put(droppedKey(d.tableId), d);
  }

  /** Tables dropped whose files have not been deleted yet (few: each DROP deletes what it can). */
  async droppedTables(): Promise<DroppedTable[]> {
    return (await this.table.query<DroppedTable>('DROPPED')).map((r) => r.doc);
  }

  async forgetDropped(tableId: string): Promise<void> {
    await this.table.delete(droppedKey(tableId));
  }

  async listViews(db: string): Promise<ViewDef[]> {
    return (await this.table.query<ViewDef>(`DB#${db}`, 'V#')).map((r) => r.doc);
  }

  async getView(db: string, name: string): Promise<ViewDef | undefined> {
    return (await this.table.get<ViewDef>(viewKey(db, name)))?.doc;
  }

  /** Creates or, with `replace`, replaces a view; a table of that name is never replaced. */
  async putView(db: string, view: ViewDef, replace: boolean): Promise<void> {
    if (await this.table.get(tableKey(db, view.name))) throw new AlreadyExistsError(`Table '${view.name}' already exists`, { mysqlCode: 'ERR_TABLE_EXISTS_ERROR' });
    try {
      await this.table.put(viewKey(db, view.name), view, { condition: replace ? { kind: 'any' } : { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AlreadyExistsError(`Table '${view.name}' already exists`, { mysqlCode: 'ERR_TABLE_EXISTS_ERROR' });
      throw e;
    }
  }

  async dropView(db: string, name: string): Promise<void> {
    await this.table.delete(viewKey(db, name));
  }

  async listFunctions(db: string): Promise<FunctionDef[]> {
    return (await this.table.query<FunctionDef>(`DB#${db}`, 'F#')).map((r) => r.doc);
  }

  async createFunction(db: string, f: FunctionDef, replace = false): Promise<void> {
    try {
      await this.table.put(functionKey(db, f), f, { condition: replace ? { kind: 'any' } : { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AlreadyExistsError(`function already exists: ${functionSignature(f)}`);
      throw e;
    }
  }

  async dropFunction(db: string, f: FunctionDef): Promise<void> {
    await this.table.delete(functionKey(db, f));
  }

  async listCatalogs(): Promise<CatalogDef[]> {
    return (await this.table.query<CatalogDef>('CATALOGS')).map((r) => r.doc);
  }

  async getCatalog(name: string): Promise<CatalogDef | undefined> {
    return (await this.table.get<CatalogDef>(catalogKey(name)))?.doc;
  }

  async createCatalog(c: CatalogDef, replace = false): Promise<void> {
    try {
      await this.table.put(catalogKey(c.name), c, { condition: replace ? { kind: 'any' } : { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AlreadyExistsError(`Can't create catalog '${c.name}'; catalog exists`, { mysqlCode: 'ERR_CATALOG_EXISTED_ERROR' });
      throw e;
    }
  }

  async dropCatalog(name: string): Promise<void> {
    await this.table.delete(catalogKey(name));
  }
}
