import { DynamoRecordTable, ensureTable } from '../../lib/adapters/dynamodb/dynamodb-record-table.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../lib/adapters/dynamodb/embedded-dynamodb.ts';

export interface TestDynamo {
  dynamo: EmbeddedDynamo;
  tableName: string;
  table: DynamoRecordTable;
  close(): Promise<void>;
}

/** An embedded dynalite (in memory unless `path` is given) with one ready (pk, sk) table. */
export async function startTestDynamo(options: { path?: string; tableName?: string } = {}): Promise<TestDynamo> {
  const tableName = options.tableName ?? 'starbackup-test';
  const dynamo = await startEmbeddedDynamo(options.path === undefined ? {} : { path: options.path });
  try {
    await ensureTable(dynamo.client, tableName);
  } catch (err) {
    await dynamo.close();
    throw err;
  }
  return { dynamo, tableName, table: new DynamoRecordTable(dynamo.client, tableName), close: () => dynamo.close() };
}
