import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { LocalServer } from './dynalite-server.js';

/** Starts s3rver in this process on 127.0.0.1 and a free port, storing objects in a temporary folder. */
export async function startS3rver(buckets: readonly string[]): Promise<LocalServer> {
  const directory = mkdtempSync(path.join(tmpdir(), 'twostage-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
