import { afterAll, beforeAll } from 'vitest';
import { openDynamoOnlineStore } from '../../src/store/dynamodb/online-store.js';
import { uniqueSuffix } from './conformance.js';
import { localAwsConfig, startDynalite, type LocalServer } from './dynalite-server.js';
import { onlineStoreConformance } from './online.conformance.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(() => server.close());

onlineStoreConformance('dynamodb', {
  open: () => openDynamoOnlineStore(new URL(`dynamodb://features_${uniqueSuffix()}`), localAwsConfig(server.endpoint)),
});
