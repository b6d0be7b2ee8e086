import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationReport } from '../report-types.js';

/** A chart of the report: a title, a Vega-Lite spec, or the reason it has no data. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec | null;
  /** Reason the chart is empty, when `spec` is null. */
  readonly emptyReason?: string;
}

const WIDTH = 220;
const HEIGHT = 180;

/** Builds the four charts of the report: metric by model, metric by K, training loss, segments. */
export function buildCharts(report: EvaluationReport): ChartSpec[] {
  return [metricByModel(report), metricByCutoff(report), trainingLoss(report), warmVersusCold(report)];
}

function okModels(report: EvaluationReport) {
  return report.models.filter((m) => m.status === 'ok');
}

function metricByModel(report: EvaluationReport): ChartSpec {
  const k = report.settings.cutoffs[0];
  const kMax = report.settings.cutoffs[report.settings.cutoffs.length - 1];
  const metrics = [`ndcg@${k}`, `recall@${k}`, `recall@${kMax}`, 'mrr'].filter((m, i, all) => all.indexOf(m) === i);
  const values = okModels(report).flatMap((model) =>
    metrics.map((metric) => ({ model: model.name, metric, value: model.segments.all?.mean[metric] ?? null })),
  );
  const title = 'Metric by model (users with training history)';
  if (values.length === 0) return { id: 'metric-by-model', title, spec: null, emptyReason: 'no model was evaluated' };
  return {
    id: 'metric-by-model',
    title,
    spec: {
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', sort: metrics, title: null } },
      spec: {
        width: WIDTH,
        height: HEIGHT,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'model', type: 'nominal', sort: null, title: null, axis: { labelAngle: -40 } },
          y: { field: 'value', type: 'quantitative', title: 'mean over users' },
          color: { field: 'model', type: 'nominal', sort: null, legend: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

function metricByCutoff(report: EvaluationReport): ChartSpec {
  const metrics = ['recall', 'ndcg', 'precision', 'map', 'hit_rate'];
  const values = okModels(report).flatMap((model) =>
    metrics.flatMap((metric) =>
      report.settings.cutoffs.map((k) => ({ model: model.name, metric, k, value: model.segments.all?.mean[`${metric}@${k}`] ?? null })),
    ),
  );
  const title = 'Metric by cutoff K (users with training history)';
  if (values.length === 0) return { id: 'metric-by-k', title, spec: null, emptyReason: 'no model was evaluated' };
  return {
    id: 'metric-by-k',
    title,
    spec: {
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', sort: metrics, title: null } },
      spec: {
        width: WIDTH * 0.8,
        height: HEIGHT,
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: { field: 'k', type: 'quantitative', scale: { type: 'log' }, axis: { values: [...report.settings.cutoffs], format: 'd' }, title: 'K' },
          y: { field: 'value', type: 'quantitative', title: 'mean over users' },
          color: { field: 'model', type: 'nominal', sort: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}

function trainingLoss(report: EvaluationReport): ChartSpec {
  const values = okModels(report).flatMap((model) =>
    (model.trainingLoss?.points ?? []).map((p) => ({ model: `${model.name} (${model.trainingLoss!.name})`, step: p.step, loss: p.loss })),
  );
  const title = 'Training loss by epoch or boosting round';
  if (values.length === 0) return { id: 'training-loss', title, spec: null, emptyReason: 'no evaluated model reported a training loss' };
  return {
    id: 'training-loss',
    title,
    spec: {
      data: { values },
      facet: { column: { field: 'model', type: 'nominal', sort: null, title: null } },
      spec: {
        width: WIDTH,
        height: HEIGHT,
        mark: { type: 'line', point: true, tooltip: true },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'epoch / round' },
          y: { field: 'loss', type: 'quantitative', scale: { zero: false }, title: 'loss' },
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
    },
  };
}

function warmVersusCold(report: EvaluationReport): ChartSpec {
  const k = report.settings.cutoffs[0];
  const metrics = [`ndcg@${k}`, `recall@${k}`];
  const segments = ['warm', 'cold', 'all', 'new'] as const;
  const values = okModels(report).flatMap((model) =>
    metrics.flatMap((metric) =>
      segments
        .filter((segment) => (model.segments[segment]?.users ?? 0) > 0)
        .map((segment) => ({ model: model.name, metric, segment, value: model.segments[segment]!.mean[metric] })),
    ),
  );
  const title = `Warm versus cold users (warm: at least ${report.settings.warmThreshold} training interactions)`;
  if (values.length === 0) return { id: 'warm-vs-cold', title, spec: null, emptyReason: 'no segment had evaluated users' };
  return {
    id: 'warm-vs-cold',
    title,
    spec: {
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', sort: metrics, title: null } },
      spec: {
        width: WIDTH * 1.2,
        height: HEIGHT,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'segment', type: 'nominal', sort: [...segments], title: null },
          xOffset: { field: 'model', type: 'nominal', sort: null },
          y: { field: 'value', type: 'quantitative', title: 'mean over users' },
          color: { field: 'model', type: 'nominal', sort: null },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
  };
}
