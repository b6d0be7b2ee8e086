import { StoreError } from '../errors.js';
import { maskUrl } from '../config/load.js';
import type { Config } from '../config/load.js';
import type { ArtifactStore, CandidateStore, OfflineStore, OnlineStore, RegistryStore } from './types.js';

/**
 * Backends by store interface and URL scheme. Each entry loads its module on first use, so a
 * deployment on SQLite never loads the Redis or AWS clients. To add a backend, add one line here.
 */
type Opener<T> = (url: URL, config: Config) => Promise<T>;
type OpenerTable<T> = Readonly<Record<string, () => Promise<Opener<T>>>>;

const OFFLINE: OpenerTable<OfflineStore> = {
  duckdb: async () => (await import('./duckdb/offline-store.js')).openDuckDbOfflineStore,
  postgres: async () => (await import('./postgres/offline-store.js')).openPostgresOfflineStore,
  postgresql: async () => (await import('./postgres/offline-store.js')).openPostgresOfflineStore,
};

const ONLINE: OpenerTable<OnlineStore> = {
  sqlite: async () => (await import('./sqlite/online-store.js')).openSqliteOnlineStore,
  redis: async () => (await import('./redis/online-store.js')).openRedisOnlineStore,
  rediss: async () => (await import('./redis/online-store.js')).openRedisOnlineStore,
  postgres: async () => (await import('./postgres/online-store.js')).openPostgresOnlineStore,
  postgresql: async () => (await import('./postgres/online-store.js')).openPostgresOnlineStore,
  dynamodb: async () => (await import('./dynamodb/online-store.js')).openDynamoOnlineStore,
};

const CANDIDATES: OpenerTable<CandidateStore> = {
  sqlite: async () => (await import('./sqlite/candidate-store.js')).openSqliteCandidateStore,
  redis: async () => (await import('./redis/candidate-store.js')).openRedisCandidateStore,
  rediss: async () => (await import('./redis/candidate-store.js')).openRedisCandidateStore,
  dynamodb: async () => (await import('./dynamodb/candidate-store.js')).openDynamoCandidateStore,
};

const ARTIFACTS: OpenerTable<ArtifactStore> = {
  file: async () => (await import('./file/artifact-store.js')).openFileArtifactStore,
  s3: async () => (await import('./s3/artifact-store.js')).openS3ArtifactStore,
};

const REGISTRY: OpenerTable<RegistryStore> = {
  sqlite: async () => (await import('./sqlite/registry-store.js')).openSqliteRegistryStore,
  postgres: async () => (await import('./postgres/registry-store.js')).openPostgresRegistryStore,
  postgresql: async () => (await import('./postgres/registry-store.js')).openPostgresRegistryStore,
};

async function open<T>(kind: string, table: OpenerTable<T>, rawUrl: string, config: Config): Promise<T> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (error) {
    throw new StoreError('REC_ERR_STORE_UNSUPPORTED', `invalid ${kind} store URL ${maskUrl(rawUrl)}: ${(error as Error).message}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  const load = table[scheme];
  if (!load) {
    throw new StoreError(
      'REC_ERR_STORE_UNSUPPORTED',
      `unsupported ${kind} store scheme "${scheme}" in ${maskUrl(rawUrl)}; supported: ${Object.keys(table).join(', ')}`,
    );
  }
  const opener = await load();
  try {
    return await opener(url, config);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('REC_ERR_STORE_UNAVAILABLE', `failed to open ${kind} store ${maskUrl(rawUrl)}: ${(error as Error).message}`, { cause: error });
  }
}

export const openOfflineStore = (config: Config, url = config.OFFLINE_STORE_URL) => open('offline', OFFLINE, url, config);
export const openOnlineStore = (config: Config, url = config.ONLINE_STORE_URL) => open('online', ONLINE, url, config);
export const openCandidateStore = (config: Config, url = config.CANDIDATE_STORE_URL) => open('candidate', CANDIDATES, url, config);
export const openArtifactStore = (config: Config, url = config.ARTIFACT_STORE_URL) => open('artifact', ARTIFACTS, url, config);
export const openRegistryStore = (config: Config, url = config.REGISTRY_STORE_URL) => open('registry', REGISTRY, url, config);

/** Supported schemes per interface, for docs and error messages. */
export function supportedSchemes(): Record<string, string[]> {
  return {
    offline: Object.keys(OFFLINE),
    online: Object.keys(ONLINE),
    candidates: Object.keys(CANDIDATES),
    artifacts: Object.keys(ARTIFACTS),
    registry: Object.keys(REGISTRY),
  };
}

/**
 * Turns a file-backed store URL into a filesystem path: `sqlite:///abs/file`, `sqlite://./rel/file`
 * and `sqlite://rel/file` (host part taken as the first path segment) all work.
 */
export function urlToPath(url: URL): string {
  const joined = decodeURIComponent(`${url.host}${url.pathname}`);
  return joined === '' ? '.' : joined;
}
