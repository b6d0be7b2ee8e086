import type { LoadFailure } from './model-holder.js';
import { withTimeout } from './timeout.js';
import type { LoadedModels } from './types.js';

/** A store the readiness check pings. */
export interface PingTarget {
  readonly name: string;
  ping(): Promise<void>;
}

export interface StoreHealth {
  readonly ok: boolean;
  readonly latency_ms: number;
  readonly error?: string;
}

export interface HealthReport {
  /** `ok`: every store responds and both models are loaded; `degraded`: serving, with a store or the ranker missing; `unavailable`: cannot serve recommendations. */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly live: true;
  readonly ready: boolean;
  readonly stores: Record<string, StoreHealth>;
  readonly models: {
    readonly retrieval: { version: string; candidate_version: string | null } | null;
    readonly ranker: { version: string; objective: string } | null;
  };
  readonly load_failures: Record<string, LoadFailure>;
  readonly uptime_s: number;
}

/**
 * Pings every store in parallel, each with `timeoutMs`, and reports the loaded model versions.
 * The server is ready when a retrieval model is loaded and the candidate and online stores respond.
 */
export async function checkHealth(
  targets: readonly PingTarget[],
  models: LoadedModels,
  failures: ReadonlyMap<string, LoadFailure>,
  timeoutMs: number,
  startedAt: number,
): Promise<HealthReport> {
  const results = await Promise.all(targets.map((t) => pingOne(t, timeoutMs)));
  const stores = Object.fromEntries(targets.map((t, i) => [t.name, results[i]]));
  const required = ['candidates', 'online'].every((name) => stores[name]?.ok !== false);
  const ready = models.retrieval !== null && required;
  const allOk = ready && models.ranker !== null && results.every((r) => r.ok);
  return {
    status: allOk ? 'ok' : ready ? 'degraded' : 'unavailable',
    live: true,
    ready,
    stores,
    models: {
      retrieval: models.retrieval ? { version: models.retrieval.version, candidate_version: models.retrieval.candidateVersion } : null,
      ranker: models.ranker ? { version: models.ranker.version, objective: models.ranker.objective } : null,
    },
    load_failures: Object.fromEntries(failures),
    uptime_s: Math.round((Date.now() - startedAt) / 1000),
  };
}

async function pingOne(target: PingTarget, timeoutMs: number): Promise<StoreHealth> {
  const started = performance.now();
  try {
    await withTimeout(target.ping(), timeoutMs, `${target.name} store ping`);
    return { ok: true, latency_ms: round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latency_ms: round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
