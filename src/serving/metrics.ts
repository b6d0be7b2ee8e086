import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RecommendationResponse } from './types.js';

/** Prometheus metrics of one server, on their own registry so several servers in a process never share counters. */
export interface ServingMetrics {
  readonly registry: Registry;
  /** Request latency by method, route and status code, seconds. */
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Recommendation responses by served path and fallback reason (`none` for personalized responses). */
  readonly recommendations: Counter<'served_path' | 'fallback' | 'reason'>;
  /** 1 for each loaded model version. */
  readonly modelInfo: Gauge<'kind' | 'version'>;
  /** Failed model loads; the previous version keeps serving. */
  readonly modelLoadFailures: Counter<'kind'>;
}

/** Latency buckets in seconds, fine below 10 ms where the recommendation path should stay. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createServingMetrics(): ServingMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'twostage_' });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'twostage_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by method, route and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    recommendations: new Counter({
      name: 'twostage_recommendations_total',
      help: 'Recommendation responses by served path, fallback flag and fallback reason.',
      labelNames: ['served_path', 'fallback', 'reason'],
      registers: [registry],
    }),
    modelInfo: new Gauge({
      name: 'twostage_model_info',
      help: 'Loaded model versions: 1 for each (kind, version) the server responds with.',
      labelNames: ['kind', 'version'],
      registers: [registry],
    }),
    modelLoadFailures: new Counter({
      name: 'twostage_model_load_failures_total',
      help: 'Model versions that failed to load; the previous version kept serving.',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}

export function countRecommendation(metrics: ServingMetrics, body: RecommendationResponse): void {
  metrics.recommendations.inc({ served_path: body.served_path, fallback: String(body.fallback), reason: body.fallback_reason ?? 'none' });
}

/** Replaces the model version gauge with the versions now loaded. */
export function setModelVersions(metrics: ServingMetrics, versions: Readonly<Record<string, string | null>>): void {
  metrics.modelInfo.reset();
  for (const [kind, version] of Object.entries(versions)) {
    if (version !== null) metrics.modelInfo.set({ kind, version }, 1);
  }
}
