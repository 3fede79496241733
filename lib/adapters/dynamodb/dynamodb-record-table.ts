import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConditionFailedError, StorageError } from '../../domain/errors.ts';
import {
  DEFAULT_UPDATE_POLICY,
  type PutOptions,
  type RecordChange,
  type RecordKey,
  type RecordTable,
  type StoredRecord,
  type UpdateOptions,
  type WriteCondition,
} from '../../ports/record-table.ts';
import { mapDynamoError } from './dynamodb-errors.ts';
import {
  and,
  COUNTER_PREFIX,
  conditionExpression,
  describeKey,
  expectation,
  expressionInput,
  holds,
  keyItem,
  num,
  toRecord,
  type Expected,
  type Expression,
  type Item,
  type Values,
} from './record-item.ts';

export { ensureTable } from './ensure-table.ts';

/** Rounds of read-then-compare-and-swap before a put under contention gives up (see `put`). */
const MAX_CAS_ROUNDS = 25;
/** Newest-first reads look for one record, usually the first: a small page keeps that read small. */
const NEWEST_PAGE = 16;

/**
 * RecordTable over one DynamoDB table: `pk` (S, hash), `sk` (S, range), `doc` (S, JSON), `ver` (N),
 * optional `exp` (N, epoch ms, for lease conditions), optional `ttl` (N, epoch seconds, DynamoDB TTL) and counters as numeric attributes `c_<name>`.
 *
 * `put` replaces the whole item, so it resets every counter; `add` is for progress counting on a record
 * that is not rewritten meanwhile (or whose writer copies the counters into its document first).
 */
export class DynamoRecordTable implements RecordTable {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {}

  async get<T>(key: RecordKey): Promise<StoredRecord<T> | undefined> {
    const out = await this.call(key, undefined, () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyItem(key), ConsistentRead: true })),
    );
    return out.Item ? toRecord<T>(out.Item) : undefined;
  }

  /**
   * The new version must be written in the same atomic step as the document. PutItem (not UpdateItem)
   * is used because a put must drop counters whose names we do not know, and only a full replace does.
   * `absent` and `version` know the next version up front, so they are one conditional PutItem.
   * `any` and `absentOrExpired` read the current version and write with a compare-and-swap on it (plus
   * the caller's condition, so a lease recreated in between is never stolen); losing the race re-reads.
   */
  async put<T>(key: RecordKey, doc: T, options: PutOptions = {}): Promise<number> {
    const condition = options.condition ?? { kind: 'any' };
    // A lapsed lease may be forgotten a day after it lapsed; the condition on `exp` never relies on that.
    const ttl = options.ttlSeconds ?? (options.expiresAt === undefined ? undefined : Math.ceil(options.expiresAt / 1000) + 86_400);
    const item = (version: number): Item => ({
      ...keyItem(key),
      doc: { S: JSON.stringify(doc) ?? 'null' },
      ver: num(version),
      ...(options.expiresAt === undefined ? {} : { exp: num(options.expiresAt) }),
      ...(ttl === undefined ? {} : { ttl: num(ttl) }),
    });
    if (condition.kind === 'absent' || condition.kind === 'version') {
      const next = condition.kind === 'absent' ? 1 : condition.version + 1;
      await this.putItem(key, item(next), conditionExpression(condition), condition);
      return next;
    }
    for (let round = 1; ; round++) {
      const current = await this.get<unknown>(key);
      if (!holds(condition, current)) throw this.conditionFailed(key, condition);
      const next = current ? current.version + 1 : 1;
      const guard = current
        ? and({ expr: 'ver = :cur', values: { ':cur': num(current.version) } }, conditionExpression(condition))
        : { expr: 'attribute_not_exists(pk)', values: {} };
      try {
        await this.putItem(key, item(next), guard, condition);
        return next;
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        if (round >= MAX_CAS_ROUNDS) {
          throw new StorageError(`Too much write contention on ${describeKey(this.tableName, key)}`, true);
        }
      }
    }
  }

  /**
   * The one implementation of the port's read-modify-write (see RecordTable.update): a consistent read,
   * `change` on a copy, a PutItem conditioned on the version read (or on absence), and on a lost race
   * another round after the policy's backoff.
   */
  async update<T>(key: RecordKey, change: RecordChange<T>, options: UpdateOptions<T> = {}): Promise<StoredRecord<T> | undefined> {
    const attempts = Math.max(1, Math.floor(options.attempts ?? DEFAULT_UPDATE_POLICY.attempts));
    const backoffMs = options.backoffMs ?? DEFAULT_UPDATE_POLICY.backoffMs;
    const maxBackoffMs = options.maxBackoffMs ?? DEFAULT_UPDATE_POLICY.maxBackoffMs;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get<T>(key);
      const next = await change(current ? structuredClone(current.doc) : undefined, current);
      if (next === undefined) return current;
      const ttl = typeof options.ttlSeconds === 'function' ? options.ttlSeconds(next) : options.ttlSeconds;
      try {
        const version = await this.put(key, next, {
          condition: current ? { kind: 'version', version: current.version } : { kind: 'absent' },
          ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
          ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
        });
        return { key, doc: next, version, counters: {}, ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }) };
      } catch (err) {
        if (!(err instanceof ConditionFailedError)) throw err;
        if (attempt >= attempts) {
          throw new ConditionFailedError(
            `Gave up updating ${describeKey(this.tableName, key)} after ${attempts} attempts: another writer changed it every time`,
            { cause: err },
          );
        }
      }
      await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }

  async delete(key: RecordKey, condition?: WriteCondition): Promise<void> {
    const cond = condition ? conditionExpression(condition) : undefined;
    await this.call(key, condition, () =>
      this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyItem(key), ...expressionInput(cond) })),
    );
  }

  async query<T>(pk: string, skPrefix?: string): Promise<StoredRecord<T>[]> {
    // An empty prefix is no prefix: DynamoDB rejects an empty string in a key condition.
    const byPrefix = skPrefix !== undefined && skPrefix !== '';
    const condition = byPrefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk';
    const records: StoredRecord<T>[] = [];
    for await (const item of this.pages(pk, condition, byPrefix ? { ':prefix': { S: skPrefix } } : {}, `${skPrefix ?? ''}*`)) {
      records.push(toRecord<T>(item));
    }
    return records;
  }

  async queryBelow<T>(pk: string, below: string): Promise<StoredRecord<T>[]> {
    const records: StoredRecord<T>[] = [];
    for await (const item of this.pages(pk, 'pk = :pk AND sk < :below', { ':below': { S: below } }, `<${below}`)) {
      records.push(toRecord<T>(item));
    }
    return records;
  }

  async newest<T>(pk: string, accept: (doc: T) => boolean): Promise<StoredRecord<T> | undefined> {
    for await (const item of this.pages(pk, 'pk = :pk', {}, '*', NEWEST_PAGE)) {
      const record = toRecord<T>(item);
      if (accept(record.doc)) return record;
    }
    return undefined;
  }

  /** The items of one key condition, page by page; newest first (and in small pages) when a page size is given. */
  private async *pages(pk: string, condition: string, values: Values, describe: string, pageSize?: number): AsyncGenerator<Item> {
    const input = {
      TableName: this.tableName,
      ConsistentRead: true,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: { ':pk': { S: pk }, ...values },
      ...(pageSize === undefined ? {} : { ScanIndexForward: false, Limit: pageSize }),
    };
    let startKey: Item | undefined;
    do {
      const page = { ...input, ExclusiveStartKey: startKey };
      const out = await this.call({ pk, sk: describe }, undefined, () => this.client.send(new QueryCommand(page)));
      yield* out.Items ?? [];
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  async add(key: RecordKey, counters: Record<string, number>): Promise<void> {
    const entries = Object.entries(counters);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Values = {};
    const parts = entries.map(([name, delta], i) => {
      if (!name || !Number.isFinite(delta)) {
        throw new StorageError(`Invalid counter ${JSON.stringify(name)} += ${delta} on ${describeKey(this.tableName, key)}`, false);
      }
      names[`#c${i}`] = COUNTER_PREFIX + name;
      values[`:c${i}`] = num(delta);
      return `#c${i} :c${i}`;
    });
    await this.call(key, 'exists', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyItem(key),
          UpdateExpression: `ADD ${parts.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  private async putItem(key: RecordKey, item: Item, cond: Expression | undefined, expected: WriteCondition): Promise<void> {
    await this.call(key, expected, () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ...expressionInput(cond) })),
    );
  }

  /** Runs one request and maps its errors, naming the table, the key and the condition that failed. */
  private async call<R>(key: RecordKey, condition: Expected | undefined, request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (err) {
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw this.conditionFailed(key, condition ?? { kind: 'any' }, err);
      }
      throw mapDynamoError(err, describeKey(this.tableName, key));
    }
  }

  private conditionFailed(key: RecordKey, condition: Expected, cause?: unknown): ConditionFailedError {
    return new ConditionFailedError(
      `Conditional write failed on ${describeKey(this.tableName, key)}: expected ${expectation(condition)}`,
      { cause },
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
