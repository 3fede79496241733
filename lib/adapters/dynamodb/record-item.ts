import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RecordKey, StoredRecord, WriteCondition } from '../../ports/record-table.ts';

/** Item layout and condition expressions of DynamoRecordTable; see its class comment for the layout. */

export type Item = Record<string, AttributeValue>;
export type Values = Record<string, AttributeValue>;

/** Counters live in top-level numeric attributes so `ADD` can update each one atomically. */
export const COUNTER_PREFIX = 'c_';

export const num = (n: number): AttributeValue => ({ N: String(n) });

/** What a conditional request expected; `exists` is the implicit condition of `add`. */
export type Expected = WriteCondition | 'exists';

export interface Expression {
  expr: string;
  values: Values;
}

export function conditionExpression(condition: WriteCondition): Expression | undefined {
  switch (condition.kind) {
    case 'any':
      return undefined;
    case 'absent':
      return { expr: 'attribute_not_exists(pk)', values: {} };
    case 'version':
      return { expr: 'ver = :v', values: { ':v': num(condition.version) } };
    case 'absentOrExpired':
      // A record without `exp` never expires: DynamoDB compares a missing attribute as false.
      return { expr: '(attribute_not_exists(pk) OR exp < :now)', values: { ':now': num(condition.now) } };
  }
}

export function and(a: Expression, b: Expression | undefined): Expression {
  return b ? { expr: `${a.expr} AND ${b.expr}`, values: { ...a.values, ...b.values } } : a;
}

export function expressionInput(cond: Expression | undefined) {
  if (!cond) return {};
  const hasValues = Object.keys(cond.values).length > 0;
  return { ConditionExpression: cond.expr, ...(hasValues ? { ExpressionAttributeValues: cond.values } : {}) };
}

/** The same test the condition expressions make, evaluated on a record we just read. */
export function holds(condition: WriteCondition, current: StoredRecord<unknown> | undefined): boolean {
  switch (condition.kind) {
    case 'any':
      return true;
    case 'absent':
      return current === undefined;
    case 'version':
      return current?.version === condition.version;
    case 'absentOrExpired':
      return current === undefined || (current.expiresAt !== undefined && current.expiresAt < condition.now);
  }
}

export function expectation(condition: Expected): string {
  if (condition === 'exists') return 'the record to exist';
  switch (condition.kind) {
    case 'any':
      return 'nothing';
    case 'absent':
      return 'the record to be absent';
    case 'version':
      return `version ${condition.version}`;
    case 'absentOrExpired':
      return `the record to be absent or expired before ${condition.now}`;
  }
}

export function describeKey(tableName: string, key: RecordKey): string {
  return `${tableName} pk=${JSON.stringify(key.pk)} sk=${JSON.stringify(key.sk)}`;
}

export function keyItem(key: RecordKey): Item {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

export function toRecord<T>(item: Item): StoredRecord<T> {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(COUNTER_PREFIX) && value.N !== undefined) counters[name.slice(COUNTER_PREFIX.length)] = Number(value.N);
  }
  const record: StoredRecord<T> = {
    key: { pk: item.pk?.S ?? '', sk: item.sk?.S ?? '' },
    doc: JSON.parse(item.doc?.S ?? 'null') as T,
    version: Number(item.ver?.N ?? 0),
    counters,
  };
  if (item.exp?.N !== undefined) record.expiresAt = Number(item.exp.N);
  return record;
}
