import type { Config } from '../config/load.js';
import { openCandidateStore, openRegistryStore } from '../store/open.js';
import type { CandidateStore } from '../store/types.js';
import { ModelRegistry } from './registry.js';

export interface OpenedRegistry {
  readonly registry: ModelRegistry;
  close(): Promise<void>;
}

/**
 * Opens the registry from the configured stores. The candidate store is opened only when
 * `withCandidates` is true, because only retrieval promotions switch candidate versions.
 */
export async function openModelRegistry(config: Config, options: { withCandidates?: boolean } = {}): Promise<OpenedRegistry> {
  const store = await openRegistryStore(config);
  let candidates: CandidateStore | null = null;
  try {
    if (options.withCandidates) candidates = await openCandidateStore(config);
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    registry: new ModelRegistry(store, candidates),
    async close() {
      await candidates?.close();
      await store.close();
    },
  };
}
