import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { guard } from '../remote/guard.js';
import type { DynamoConnection } from './client.js';

/** Partition key of the one item that lists versions; user ids may not start with `#twostage#`. */
export const META_USER = '#twostage#meta';
export const META_SORT = 'meta';
export const META_KEY: Record<string, AttributeValue> = { user_id: { S: META_USER }, sk: { S: META_SORT } };

export interface VersionInfo {
  readonly state: 'writing' | 'committed';
  readonly startedAt: number;
  readonly committedAt?: number;
  /** Time after which the version is deleted by the next `beginVersion`, ms. */
  readonly retireAt?: number;
}

export interface CandidateMeta {
  readonly active: string | null;
  readonly versions: ReadonlyMap<string, VersionInfo>;
}

/** Reads the metadata item with a strongly consistent read. */
export async function readMeta(connection: DynamoConnection): Promise<CandidateMeta> {
  const result = await guard(connection.context, 'read candidate versions', () =>
    connection.client.send(new GetItemCommand({ TableName: connection.table, Key: META_KEY, ConsistentRead: true })),
  );
  const item = result.Item;
  const versions = new Map<string, VersionInfo>();
  for (const [name, value] of Object.entries(item?.versions?.M ?? {})) {
    const fields = value.M ?? {};
    versions.set(name, {
      state: fields.state?.S === 'committed' ? 'committed' : 'writing',
      startedAt: Number(fields.startedAt?.N ?? 0),
      committedAt: fields.committedAt?.N !== undefined ? Number(fields.committedAt.N) : undefined,
      retireAt: fields.retireAt?.N !== undefined ? Number(fields.retireAt.N) : undefined,
    });
  }
  return { active: item?.active?.S ?? null, versions };
}

/** Creates the metadata item when it is missing, so later updates can set paths inside `versions`. */
export async function ensureMeta(connection: DynamoConnection): Promise<void> {
  try {
    await guard(connection.context, 'create candidate metadata', () =>
      connection.client.send(
        new PutItemCommand({
          TableName: connection.table,
          Item: { ...META_KEY, versions: { M: {} } },
          ConditionExpression: 'attribute_not_exists(user_id)',
        }),
      ),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Applies one conditional update to the metadata item. Returns false when the condition failed,
 * so the caller can say which precondition did not hold.
 */
export async function updateMeta(
  connection: DynamoConnection,
  operation: string,
  update: { expression: string; condition?: string; names: Record<string, string>; values?: Record<string, AttributeValue> },
): Promise<boolean> {
  try {
    await guard(connection.context, operation, () =>
      connection.client.send(
        new UpdateItemCommand({
          TableName: connection.table,
          Key: META_KEY,
          UpdateExpression: update.expression,
          ConditionExpression: update.condition,
          ExpressionAttributeNames: update.names,
          ExpressionAttributeValues: update.values,
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
