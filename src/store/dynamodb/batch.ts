import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../../errors.js';
import { guard } from '../remote/guard.js';
import type { DynamoConnection } from './client.js';
import { runLimited } from '../remote/limit.js';

export type Item = Record<string, AttributeValue>;

/** DynamoDB limits: keys per BatchGetItem, items per BatchWriteItem, bytes per item. */
export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
export const MAX_ITEM_BYTES = 400 * 1024;

/** Attempts for unprocessed keys or items before giving up (the first try included). */
const MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 50;
const MAX_DELAY_MS = 5_000;

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base · 2^attempt)). */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads items by key in requests of up to 100 keys, `connection.concurrency` requests at a time.
 * Keys DynamoDB returns as unprocessed (throttling, 16 MB response limit) are requested again
 * with backoff. Returns the found items in no particular order.
 */
export async function batchGet(connection: DynamoConnection, keys: readonly Item[], operation: string, consistent = false): Promise<Item[]> {
  const found: Item[] = [];
  const chunks: Item[][] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) chunks.push(keys.slice(start, start + BATCH_GET_LIMIT));
  await runLimited(
    chunks.map((chunk) => async () => {
      let pending: Item[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new StoreError('REC_ERR_STORE_UNAVAILABLE', `${connection.context.kind} store ${connection.context.maskedUrl}: ${operation}: ${pending.length} keys still unprocessed after ${MAX_ATTEMPTS} attempts (throttled)`);
        }
        if (attempt > 0) await sleep(backoffMs(attempt));
        const request = pending;
        const result = await guard(connection.context, operation, () =>
          connection.client.send(new BatchGetItemCommand({ RequestItems: { [connection.table]: { Keys: request, ConsistentRead: consistent } } })),
        );
        found.push(...(result.Responses?.[connection.table] ?? []));
        pending = result.UnprocessedKeys?.[connection.table]?.Keys ?? [];
      }
    }),
    connection.concurrency,
  );
  return found;
}

/**
 * Writes or deletes items in requests of 25, `connection.concurrency` requests at a time, and
 * sends unprocessed items again with backoff. Puts and deletes are idempotent, so after a failure
 * the caller can run the same call again to finish the job.
 */
export async function batchWrite(connection: DynamoConnection, requests: readonly WriteRequest[], operation: string): Promise<void> {
  const tasks: (() => Promise<void>)[] = [];
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    const chunk = requests.slice(start, start + BATCH_WRITE_LIMIT);
    tasks.push(async () => {
      let pending: WriteRequest[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) {
          throw new StoreError(
            'REC_ERR_STORE_UNAVAILABLE',
            `${connection.context.kind} store ${connection.context.maskedUrl}: ${operation}: ${pending.length} items still unprocessed after ${MAX_ATTEMPTS} attempts (throttled); run the write again to finish it`,
          );
        }
        if (attempt > 0) await sleep(backoffMs(attempt));
        const request = pending;
        const result = await guard(connection.context, operation, () =>
          connection.client.send(new BatchWriteItemCommand({ RequestItems: { [connection.table]: request } })),
        );
        pending = result.UnprocessedItems?.[connection.table] ?? [];
      }
    });
  }
  await runLimited(tasks, connection.concurrency);
}

/** Reads every item matching a query, following pages. */
export async function queryAll(connection: DynamoConnection, input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>, operation: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await guard(connection.context, operation, () =>
      connection.client.send(new QueryCommand({ ...input, TableName: connection.table, ExclusiveStartKey: start })),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Scans the table for keys of items matching a filter and deletes them in batches. */
export async function deleteMatching(
  connection: DynamoConnection,
  keyNames: readonly [string, string],
  filter: { expression: string; names: Record<string, string>; values: Item },
  operation: string,
): Promise<void> {
  let start: Item | undefined;
  do {
    const page = await guard(connection.context, operation, () =>
      connection.client.send(
        new ScanCommand({
          TableName: connection.table,
          FilterExpression: filter.expression,
          ExpressionAttributeNames: { ...filter.names, '#pk': keyNames[0], '#sk': keyNames[1] },
          ExpressionAttributeValues: filter.values,
          ProjectionExpression: '#pk, #sk',
          ExclusiveStartKey: start,
        }),
      ),
    );
    const deletes = (page.Items ?? []).map((key) => ({ DeleteRequest: { Key: key } }));
    await batchWrite(connection, deletes, operation);
    start = page.LastEvaluatedKey;
  } while (start);
}
