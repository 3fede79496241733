import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, PutItemCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../lib/adapters/dynamodb/embedded-dynamodb.ts';

/**
 * The embedded DynamoDB keeps the table descriptions dynalite reads at every request
 * (table-description-cache.ts): a table deleted, created again or updated must be seen as it is now.
 */
const table = (key: string) => new CreateTableCommand({
  TableName: 'described', BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }], KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
});

/** dynalite creates, updates and deletes a table in the background (at once here, but after the answer): until it is done. */
async function settled(d: EmbeddedDynamo, want: 'ACTIVE' | 'GONE'): Promise<void> {
  for (;;) {
    const status = await d.client.send(new DescribeTableCommand({ TableName: 'described' })).then((r) => r.Table?.TableStatus, () => 'GONE');
    if (status === want) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the embedded DynamoDB table descriptions', () => {
  it('follow a table deleted and created again with another key, and an update', async () => {
    const d = await startEmbeddedDynamo();
    try {
      await d.client.send(table('k'));
      await settled(d, 'ACTIVE');
      await d.client.send(new PutItemCommand({ TableName: 'described', Item: { k: { S: 'a' } } }));
      await d.client.send(new DeleteTableCommand({ TableName: 'described' }));
      await settled(d, 'GONE');
      await expect(d.client.send(new PutItemCommand({ TableName: 'described', Item: { k: { S: 'b' } } }))).rejects.toThrow('Requested resource not found');
      await d.client.send(table('id'));
      await settled(d, 'ACTIVE');
      await d.client.send(new PutItemCommand({ TableName: 'described', Item: { id: { S: 'c' } } }));
      await expect(d.client.send(new PutItemCommand({ TableName: 'described', Item: { k: { S: 'd' } } }))).rejects.toThrow('Missing the key id in the item');
      await d.client.send(new UpdateTableCommand({ TableName: 'described', BillingMode: 'PROVISIONED', ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 } }));
      await settled(d, 'ACTIVE');
      const { Table } = await d.client.send(new DescribeTableCommand({ TableName: 'described' }));
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      expect(Table?.ProvisionedThroughput?.WriteCapacityUnits).toBe(4);
    } finally {
      await d.close();
    }
  });
});
