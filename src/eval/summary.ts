import type { EvaluationReport } from './report-types.js';
import { formatNumber } from './report/html.js';

/** Headline figures of one model: the first cutoff's NDCG and recall, and recall at the last cutoff. */
export interface HeadlineRow {
  readonly model: string;
  readonly users: number;
  readonly values: Readonly<Record<string, number | null>>;
}

/** Metric names of the headline: ndcg@K1, recall@K1, recall@Kmax, mrr. */
export function headlineMetricNames(report: EvaluationReport): string[] {
  const cutoffs = report.settings.cutoffs;
  const names = [`ndcg@${cutoffs[0]}`, `recall@${cutoffs[0]}`, `recall@${cutoffs[cutoffs.length - 1]}`, 'mrr'];
  return names.filter((name, i) => names.indexOf(name) === i);
}

/** Headline figures per model over users with training history; failed models have no values. */
export function headlineRows(report: EvaluationReport): HeadlineRow[] {
  const names = headlineMetricNames(report);
  return report.models.map((model) => {
    const all = model.segments.all;
    const values: Record<string, number | null> = {};
    for (const name of names) {
      const value = all?.mean[name];
      values[name] = value === undefined || Number.isNaN(value) ? null : value;
    }
    return { model: model.name, users: all?.users ?? 0, values };
  });
}

/** Plain-text summary for a terminal: protocol, a headline table and the report files. */
export function formatReportSummary(report: EvaluationReport): string {
  const names = headlineMetricNames(report);
  const rows = headlineRows(report);
  const header = ['model', 'users', ...names, 'fit s'];
  const body = rows.map((row, r) => {
    const model = report.models[r];
    if (model.status === 'failed') return [row.model, '–', ...names.map(() => '–'), 'failed'];
    return [row.model, String(row.users), ...names.map((name) => formatNumber(row.values[name])), model.fitSeconds.toFixed(2)];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((line) => line[c].length)));
  const pad = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');

  const p = report.population;
  const lines = [
    `split: ${report.split.description}`,
    `protocol: ${report.protocol}`,
    `users with training history: ${p.testUsers.all} (${p.testUsers.warm} warm, ${p.testUsers.cold} cold); catalog: ${p.catalogItems} items`,
    '',
    pad(header),
    ...body.map(pad),
  ];
  for (const model of report.models) {
    if (model.status === 'failed') lines.push(`failed: ${model.name}: ${model.error ?? 'unknown error'}`);
  }
  if (report.files.html !== null) lines.push('', `report: ${report.files.html}`, `json:   ${report.files.json}`);
  return lines.join('\n');
}
