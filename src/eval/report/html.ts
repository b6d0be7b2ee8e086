import type { ModelReport } from '../evaluate-models.js';
import type { EvaluationReport } from '../report-types.js';
import { SEGMENT_NAMES } from '../segments.js';
import type { ChartSpec } from './charts.js';

/** A chart after rendering: its SVG, or the reason it is empty. */
export interface RenderedChart {
  readonly chart: ChartSpec;
  readonly svg: string | null;
}

/**
 * Builds the self-contained report page: styles inline, charts as inline SVG, no scripts and no
 * external resources, so it opens offline.
 */
export function renderReportHtml(report: EvaluationReport, charts: readonly RenderedChart[]): string {
  const cutoffs = report.settings.cutoffs;
  const rankingColumns = ['recall', 'precision', 'ndcg', 'map', 'hit_rate'].flatMap((m) => cutoffs.map((k) => `${m}@${k}`)).concat('mrr');
  const catalogColumns = ['coverage', 'arp', 'tail_share'].flatMap((m) => cutoffs.map((k) => `${m}@${k}`));
  const headline = [`ndcg@${cutoffs[0]}`, `recall@${cutoffs[0]}`, `recall@${cutoffs[cutoffs.length - 1]}`];

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>twostage evaluation report</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1400px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f2f2f2; }
caption { text-align: left; font-size: 13px; color: #555; padding-bottom: 4px; caption-side: top; }
.protocol { background: #f7f7f2; border-left: 4px solid #999; padding: 0.5em 1em; }
.failed { color: #a00; }
figure { margin: 1em 0 2em; overflow-x: auto; }
figcaption { font-weight: bold; margin-bottom: 0.5em; }
</style>
</head>
<body>
<h1>Offline evaluation</h1>
<p>Created ${escapeHtml(report.createdAt)}. Dataset: ${escapeHtml(report.dataset.format ?? 'unknown format')}, ${escapeHtml(report.dataset.feedback ?? 'unknown')} feedback${report.dataset.fingerprint ? `, fingerprint <code>${escapeHtml(report.dataset.fingerprint)}</code>` : ''}.</p>
<div class="protocol">
<p><strong>Split:</strong> ${escapeHtml(report.split.description)}.</p>
<p><strong>Protocol:</strong> ${escapeHtml(report.protocol)}</p>
${populationParagraph(report)}
</div>
${failedModels(report.models)}
<h2>Ranking metrics, users with training history</h2>
${metricTable(report.models, 'all', rankingColumns, `Full ranking over ${report.population.catalogItems} catalog items minus each user's training items.`)}
<h2>Users by training history</h2>
${segmentTable(report, headline)}
<h2>Catalog coverage, popularity bias, rating error and time</h2>
${catalogTable(report, catalogColumns)}
<h2>Charts</h2>
${charts.map(renderFigure).join('\n')}
</body>
</html>
`;
}

function populationParagraph(report: EvaluationReport): string {
  const p = report.population;
  const relevance = report.settings.minRating === null ? 'every held-out interaction is relevant' : `held-out ratings of at least ${report.settings.minRating} are relevant`;
  return `<p><strong>Population:</strong> ${p.trainInteractions} training and ${p.testInteractions} test interactions; ${p.trainUsers} training users, ${p.catalogItems} catalog items; ${relevance}. Evaluated users: ${p.testUsers.all} with training history (${p.testUsers.warm} warm with at least ${report.settings.warmThreshold} training interactions, ${p.testUsers.cold} cold), ${p.testUsers.new} without any. ${p.unrankableRelevant} relevant (user, item) pairs have an item never seen in training: no model can rank them, and they stay in the recall denominator.</p>`;
}

function failedModels(models: readonly ModelReport[]): string {
  const failed = models.filter((m) => m.status === 'failed');
  if (failed.length === 0) return '';
  return `<p class="failed">Failed: ${failed.map((m) => `${escapeHtml(m.name)} (${escapeHtml(m.error ?? 'unknown error')})`).join('; ')}.</p>`;
}

function metricTable(models: readonly ModelReport[], segment: 'all', columns: readonly string[], caption: string): string {
  const rows = models
    .filter((m) => m.status === 'ok')
    .map((m) => {
      const metrics = m.segments[segment];
      const cells = columns.map((c) => `<td>${formatNumber(metrics?.mean[c])}</td>`).join('');
      return `<tr><td title="${escapeHtml(m.description)}">${escapeHtml(m.name)}</td><td>${metrics?.users ?? 0}</td>${cells}</tr>`;
    });
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th>model</th><th>users</th>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function segmentTable(report: EvaluationReport, metrics: readonly string[]): string {
  const header = SEGMENT_NAMES.flatMap((s) => metrics.map((m) => `<th>${s} ${escapeHtml(m)}</th>`)).join('');
  const rows = report.models
    .filter((m) => m.status === 'ok')
    .map((m) => {
      const cells = SEGMENT_NAMES.flatMap((s) => metrics.map((metric) => `<td>${formatNumber(m.segments[s]?.mean[metric])}</td>`)).join('');
      return `<tr><td>${escapeHtml(m.name)}</td>${cells}</tr>`;
    });
  const t = report.population.testUsers;
  const caption = `Warm: at least ${report.settings.warmThreshold} training interactions (${t.warm} users); cold: fewer (${t.cold}); all: both (${t.all}); new: none (${t.new}, scored only by models with a score for unknown users). Same full-ranking protocol.`;
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th>model</th>${header}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function catalogTable(report: EvaluationReport, columns: readonly string[]): string {
  const rows = report.models
    .filter((m) => m.status === 'ok')
    .map((m) => {
      const cells = columns.map((c) => `<td>${formatNumber(m.catalog[c])}</td>`).join('');
      const rating = m.rating ? `<td>${formatNumber(m.rating.rmse)}</td><td>${formatNumber(m.rating.mae)}</td>` : '<td>–</td><td>–</td>';
      return `<tr><td>${escapeHtml(m.name)}</td>${cells}<td>${formatNumber(m.candidateRecall ?? undefined)}</td>${rating}<td>${m.fitSeconds.toFixed(2)}</td><td>${m.evaluateSeconds.toFixed(2)}</td></tr>`;
    });
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const caption = `coverage@K: distinct items in any top-K list / catalog size; arp@K: mean training popularity of top-K items; tail_share@K: top-K slots outside the 20 % most popular items; candidate recall at ${report.settings.candidateCount}: recall of the set a ranker reorders; RMSE and MAE on held-out ratings of known users and items.`;
  return `<table><caption>${escapeHtml(caption)}</caption><thead><tr><th>model</th>${head}<th>candidate recall@${report.settings.candidateCount}</th><th>RMSE</th><th>MAE</th><th>fit s</th><th>evaluate s</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function renderFigure(rendered: RenderedChart): string {
  const body = rendered.svg ?? `<p>No chart: ${escapeHtml(rendered.chart.emptyReason ?? 'no data')}.</p>`;
  return `<figure id="${escapeHtml(rendered.chart.id)}"><figcaption>${escapeHtml(rendered.chart.title)}</figcaption>${body}</figure>`;
}

/** Four significant decimals; a dash for a missing value. */
export function formatNumber(value: number | undefined | null): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(1);
  return value.toFixed(4);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
