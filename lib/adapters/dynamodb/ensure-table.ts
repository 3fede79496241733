import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StorageError } from '../../domain/errors.ts';
import { mapDynamoError } from './dynamodb-errors.ts';

export interface EnsureTableOptions {
  /** How long to wait for the table to become ACTIVE; real DynamoDB takes seconds, dynalite none. */
  timeoutMs?: number;
}

/**
 * Creates the single (pk, sk) table if it is missing and waits until it is ACTIVE. Safe to call from
 * several processes at once: a concurrent creation shows up as ResourceInUseException and is waited for.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: EnsureTableOptions = {},
): Promise<void> {
  const subject = `table ${tableName}`;
  // Every open of a home comes here with its tables long created: one read answers.
  const first = await describeStatus(client, tableName);
  if (first === 'ACTIVE') return;
  if (first === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw mapDynamoError(err, subject);
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  for (let delay = 20; ; delay = Math.min(delay * 2, 2_000)) {
    const status = await describeStatus(client, tableName);
    if (status === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new StorageError(`${subject} did not become ACTIVE (status ${status ?? 'missing'})`, true);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function describeStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? 'UNKNOWN';
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw mapDynamoError(err, `table ${tableName}`);
  }
}
