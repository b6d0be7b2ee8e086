import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/load.js';
import type { Logger } from '../log.js';
import { ModelRegistry } from '../registry/registry.js';
import { openArtifactStore, openCandidateStore, openOnlineStore, openRegistryStore } from '../store/open.js';
import type { ArtifactStore, CandidateStore, OnlineStore, RegistryStore } from '../store/types.js';
import { buildApp } from './app.js';
import { createFeatureReader } from './feature-reader.js';
import { disablePretenuring } from './gc-tuning.js';
import { createServingMetrics, setModelVersions } from './metrics.js';
import { ModelHolder, type ModelLoader } from './model-holder.js';
import { loadRankerVersion } from './ranker-loader.js';
import { loadRetrievalVersion } from './retrieval-loader.js';

export interface StartServerOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly host?: string;
  readonly port?: number;
  /** Replaces the artifact loaders (tests of reload failures). */
  readonly loader?: (artifacts: ArtifactStore) => ModelLoader;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** Base URL, such as http://127.0.0.1:8000. */
  readonly url: string;
  readonly holder: ModelHolder;
  /** Stops accepting requests, lets those in flight finish, stops polling and closes the stores. */
  close(): Promise<void>;
}

interface Stores {
  candidates: CandidateStore;
  online: OnlineStore;
  artifacts: ArtifactStore;
  registry: RegistryStore;
}

/** Creates the production artifact loaders: XGBoost JSON rankers and retrieval bundles. */
export function defaultModelLoader(artifacts: ArtifactStore, maxTopK: number): ModelLoader {
  return {
    loadRetrieval: (record) => loadRetrievalVersion(artifacts, record, maxTopK),
    loadRanker: (record) => loadRankerVersion(artifacts, record),
  };
}

/**
 * Opens the stores, loads the production models, and listens. The registry is polled every
 * MODEL_POLL_MS so a promotion is picked up without a restart.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, log } = options;
  disablePretenuring();
  const stores = await openStores(config);
  try {
    const metrics = createServingMetrics();
    const registry = new ModelRegistry(stores.registry);
    const loader = options.loader?.(stores.artifacts) ?? defaultModelLoader(stores.artifacts, config.MAX_TOP_K);
    const holder = new ModelHolder(registry, loader, log, (models) =>
      setModelVersions(metrics, { retrieval: models.retrieval?.version ?? null, ranker: models.ranker?.version ?? null }),
    );
    await holder.refresh();
    if (!holder.current.retrieval) log.warn({}, 'no retrieval model in production yet; /recommendations returns 503 until one is promoted');

    const features = createFeatureReader(stores.online, {
      itemCacheMs: config.ITEM_FEATURE_CACHE_MS,
      refreshTimeoutMs: config.STORE_TIMEOUT_MS,
      onRefreshError: (err) => log.warn({ err }, 'background read of item features failed; the cached values are served until they expire'),
    });
    const app = await buildApp({
      limits: {
        maxTopK: config.MAX_TOP_K,
        defaultTopK: Math.min(config.TOP_K, config.MAX_TOP_K),
        maxUserIdLength: config.MAX_USER_ID_LENGTH,
        bodyLimit: config.BODY_LIMIT,
        storeTimeoutMs: config.STORE_TIMEOUT_MS,
      },
      holder,
      recommendDeps: {
        candidates: stores.candidates,
        features,
        storeTimeoutMs: config.STORE_TIMEOUT_MS,
        candidateCount: config.CANDIDATE_COUNT,
      },
      stores: [
        { name: 'candidates', ping: () => stores.candidates.ping() },
        { name: 'online', ping: () => stores.online.ping() },
        { name: 'registry', ping: () => stores.registry.ping() },
        { name: 'artifacts', ping: () => stores.artifacts.ping() },
      ],
      metrics,
      logger: log,
    });
    const host = options.host ?? config.HOST;
    const port = options.port ?? config.PORT;
    let address: string;
    try {
      address = await app.listen({ host, port });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new Error(`cannot listen on ${host}:${port} (${code}): choose another address with --host/--port or the HOST/PORT settings`, { cause: error });
      }
      throw error;
    }
    holder.startPolling(config.MODEL_POLL_MS);
    log.info({ url: address, retrieval: holder.current.retrieval?.version ?? null, ranker: holder.current.ranker?.version ?? null }, 'server listening');

    let closing: Promise<void> | null = null;
    return {
      app,
      url: address,
      holder,
      close() {
        closing ??= (async () => {
          holder.stopPolling();
          await app.close();
          await features.settle();
          await closeStores(stores);
          log.info({}, 'server stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await closeStores(stores);
    throw error;
  }
}

async function openStores(config: Config): Promise<Stores> {
  const opened: Partial<Stores> = {};
  try {
    opened.registry = await openRegistryStore(config);
    opened.artifacts = await openArtifactStore(config);
    opened.candidates = await openCandidateStore(config);
    opened.online = await openOnlineStore(config);
    return opened as Stores;
  } catch (error) {
    await closeStores(opened);
    throw error;
  }
}

async function closeStores(stores: Partial<Stores>): Promise<void> {
  for (const store of [stores.candidates, stores.online, stores.artifacts, stores.registry]) {
    await store?.close().catch(() => undefined);
  }
}
