import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface LocalServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite (DynamoDB on an in-memory LevelDB) in this process on 127.0.0.1 and a free port. */
export async function startDynalite(): Promise<LocalServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Settings that point the AWS SDK at a local server. s3rver checks signatures against its built-in
 * key pair S3RVER/S3RVER; dynalite accepts any credentials.
 */
export function localAwsConfig(endpoint: string) {
  return { STORE_TIMEOUT_MS: 5_000, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
}
