import { afterAll, beforeAll } from 'vitest';
import { openS3ArtifactStore } from '../../src/store/s3/artifact-store.js';
import { artifactStoreConformance } from './artifacts.conformance.js';
import { uniqueSuffix } from './conformance.js';
import { localAwsConfig, type LocalServer } from './dynalite-server.js';
import { startS3rver } from './s3rver-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startS3rver(['artifacts']);
});
afterAll(() => server.close());

artifactStoreConformance('s3', {
  open: () => openS3ArtifactStore(new URL(`s3://artifacts/run-${uniqueSuffix()}/models-root`), localAwsConfig(server.endpoint)),
});
