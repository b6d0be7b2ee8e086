import type { Logger } from '../log.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { ModelKind } from '../registry/types.js';
import type { ModelVersionRecord } from '../store/types.js';
import type { LoadedModels, LoadedRanker, LoadedRetrieval } from './types.js';

/** Loads a registered version's artifacts into a predictor; serving never trains. */
export interface ModelLoader {
  loadRetrieval(record: ModelVersionRecord): Promise<LoadedRetrieval>;
  loadRanker(record: ModelVersionRecord): Promise<LoadedRanker>;
}

/** Last load failure of a kind, reported by `/health`. */
export interface LoadFailure {
  readonly version: string;
  readonly message: string;
  readonly at: number;
}

/**
 * The models the server responds with. `refresh` asks the registry for the production versions and
 * loads any that changed; a version that fails to load is logged and skipped, and the previous
 * one keeps serving. Requests read `current` once, so a swap never mixes two versions in one answer.
 */
export class ModelHolder {
  private models: LoadedModels = { retrieval: null, ranker: null };
  private readonly failures = new Map<ModelKind, LoadFailure>();
  private refreshing: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly loader: ModelLoader,
    private readonly log: Logger,
    private readonly onChange: (models: LoadedModels) => void = () => {},
  ) {}

  get current(): LoadedModels {
    return this.models;
  }

  /** Load failures by kind, for versions still not loaded. */
  get loadFailures(): ReadonlyMap<ModelKind, LoadFailure> {
    return this.failures;
  }

  /** Loads changed production versions; returns true when a model was swapped. Concurrent calls share one run. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Polls the registry every `intervalMs` ms until `stop`. */
  startPolling(intervalMs: number): void {
    this.stopPolling();
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.log.error({ err: error }, 'failed to poll the model registry'));
    }, intervalMs);
    this.timer.unref();
  }

  stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async refreshOnce(): Promise<boolean> {
    const [retrievalRecord, rankerRecord] = await Promise.all([this.registry.production('retrieval'), this.registry.production('ranker')]);
    const retrieval = await this.loadIfChanged('retrieval', retrievalRecord, this.models.retrieval, (r) => this.loader.loadRetrieval(r));
    const ranker = await this.loadIfChanged('ranker', rankerRecord, this.models.ranker, (r) => this.loader.loadRanker(r));
    if (retrieval === this.models.retrieval && ranker === this.models.ranker) return false;
    this.models = { retrieval, ranker };
    this.onChange(this.models);
    return true;
  }

  private async loadIfChanged<T extends { version: string }>(
    kind: ModelKind,
    record: ModelVersionRecord | null,
    loaded: T | null,
    load: (record: ModelVersionRecord) => Promise<T>,
  ): Promise<T | null> {
    // A retrieval version leaving production without a successor keeps serving, because requests
    // would fail without one. A ranker without a successor is unloaded, because the pipeline
    // archives it when a run trains no ranker. Candidates are then served in retrieval order.
    if (record === null) {
      if (kind === 'ranker' && loaded !== null) this.log.info({ kind, version: loaded.version }, 'unloaded model version: no version of this kind is in production');
      return kind === 'ranker' ? null : loaded;
    }
    if (record.version === loaded?.version) return loaded;
    if (this.failures.get(kind)?.version === record.version) return loaded;
    try {
      const model = await load(record);
      this.failures.delete(kind);
      this.log.info({ kind, version: record.version, previous: loaded?.version ?? null }, 'loaded model version');
      return model;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.failures.set(kind, { version: record.version, message, at: Date.now() });
      this.log.error({ err: error, kind, version: record.version, serving: loaded?.version ?? null }, 'failed to load model version; the previous version keeps serving');
      return loaded;
    }
  }
}
