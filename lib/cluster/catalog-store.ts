import type { DatabaseDef, TableRecord } from '../domain/catalog-types.ts';
import { AlreadyExistsError, ConditionFailedError, NotFoundError } from '../domain/errors.ts';
import type { RecordKey, RecordTable, StoredRecord } from '../ports/record-table.ts';

/**
 * Typed access to the cluster catalog in its DynamoDB table. Databases live under one partition key so
 * SHOW DATABASES is one query; a database's objects share its partition key.
 */
const dbKey = (db: string): RecordKey => ({ pk: 'DBS', sk: db });
const tableKey = (db: string, table: string): RecordKey => ({ pk: `DB#${db}`, sk: `T#${table}` });

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
    if (!d) throw new NotFoundError(`Unknown database '${db}'`);
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

  /** Removes the database record first, so nothing new can be created in it, then its objects. */
  async dropDatabase(db: string): Promise<void> {
    await this.table.delete(dbKey(db));
    for (const r of await this.table.query(`DB#${db}`)) await this.table.delete(r.key);
  }

  async listTables(db: string): Promise<StoredRecord<TableRecord>[]> {
    return this.table.query<TableRecord>(`DB#${db}`, 'T#');
  }

  async getTable(db: string, name: string): Promise<StoredRecord<TableRecord> | undefined> {
    return this.table.get<TableRecord>(tableKey(db, name));
  }

  async requireTable(db: string, name: string): Promise<StoredRecord<TableRecord>> {
    const t = await this.getTable(db, name);
    if (!t) throw new NotFoundError(`Unknown table '${db}.${name}'`);
    return t;
  }

  async createTable(db: string, record: TableRecord): Promise<void> {
    try {
      await this.table.put(tableKey(db, record.def.name), record, { condition: { kind: 'absent' } });
    } catch (e) {
      if (e instanceof ConditionFailedError) throw new AlreadyExistsError(`Table '${record.def.name}' already exists`);
      throw e;
    }
  }

  /** The one conditional write that publishes a table change: fails if anyone else wrote since `version`. */
  async replaceTable(db: string, record: TableRecord, version: number): Promise<number> {
    return this.table.put(tableKey(db, record.def.name), record, { condition: { kind: 'version', version } });
  }

  async dropTable(db: string, name: string): Promise<void> {
    await this.table.delete(tableKey(db, name));
  }
}
