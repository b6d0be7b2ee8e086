import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '../../errors.js';
import { awsClientOptions, describeAwsUrl, type AwsConfig } from '../remote/aws.js';
import { callContext, guard, type CallContext } from '../remote/guard.js';

export type { AwsConfig };

export interface DynamoConnection {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly context: CallContext;
  /** Requests in flight at once during bulk writes (`?concurrency=8`). */
  readonly concurrency: number;
}

/** Key attribute names of a table: partition key, then sort key. */
export interface TableKeys {
  readonly partition: string;
  readonly sort: string;
}

const OWN_PARAMETERS = new Set(['create', 'concurrency', 'graceSeconds', 'endpoint']);

/**
 * Connects to the table named by `dynamodb://TABLE`, creating it (on-demand capacity) unless
 * `?create=false`. An existing table must have the key schema this store expects, so a candidate
 * table and a feature table cannot be mixed up.
 */
export async function connectDynamo(kind: string, url: URL, config: AwsConfig, keys: TableKeys): Promise<DynamoConnection> {
  for (const key of url.searchParams.keys()) {
    if (!OWN_PARAMETERS.has(key)) {
      throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `unknown query parameter "${key}" in DynamoDB store URL; supported: ${[...OWN_PARAMETERS].join(', ')}`);
    }
  }
  const table = decodeURIComponent(url.host + url.pathname.replace(/\/$/, ''));
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid DynamoDB table name "${table}" in ${url.toString()}: use 3 to 255 letters, digits, "_", "-" or "."`);
  }
  const concurrency = Number(url.searchParams.get('concurrency') ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid concurrency=${url.searchParams.get('concurrency')} in DynamoDB store URL: expected an integer from 1 to 256`);
  }
  const context = callContext(kind, describeAwsUrl(url, config), config.STORE_TIMEOUT_MS);
  const client = new DynamoDBClient(awsClientOptions(url, config));
  try {
    await ensureTable(client, table, keys, url.searchParams.get('create') !== 'false', context);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return { client, table, context, concurrency };
}

async function ensureTable(client: DynamoDBClient, table: string, keys: TableKeys, create: boolean, context: CallContext): Promise<void> {
  let schema: KeySchemaElement[] | undefined;
  try {
    const described = await guard(context, `describe table ${table}`, () => client.send(new DescribeTableCommand({ TableName: table })));
    schema = described.Table?.KeySchema;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    if (!create) throw new StoreError('REC_ERR_STORE_UNAVAILABLE', `DynamoDB table ${table} does not exist (${context.maskedUrl}); create it or drop ?create=false`);
    await guard(context, `create table ${table}`, () =>
      client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: keys.partition, AttributeType: 'S' },
            { AttributeName: keys.sort, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: keys.partition, KeyType: 'HASH' },
            { AttributeName: keys.sort, KeyType: 'RANGE' },
          ],
        }),
      ),
    );
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: table });
    return;
  }
  const partition = schema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const sort = schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  if (partition !== keys.partition || sort !== keys.sort) {
    throw new StoreError(
      'REC_ERR_STORE_UNSUPPORTED',
      `DynamoDB table ${table} has keys (${partition}, ${sort ?? 'no sort key'}) but the ${context.kind} store needs (${keys.partition}, ${keys.sort}); use a separate table per store`,
    );
  }
}
