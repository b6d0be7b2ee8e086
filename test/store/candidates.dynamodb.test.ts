import { afterAll, beforeAll } from 'vitest';
import { openDynamoCandidateStore } from '../../src/store/dynamodb/candidate-store.js';
import { candidateStoreConformance } from './candidates.conformance.js';
import { uniqueSuffix } from './conformance.js';
import { localAwsConfig, startDynalite, type LocalServer } from './dynalite-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(() => server.close());

candidateStoreConformance('dynamodb', {
  open: () => openDynamoCandidateStore(new URL(`dynamodb://candidates_${uniqueSuffix()}`), localAwsConfig(server.endpoint)),
});
