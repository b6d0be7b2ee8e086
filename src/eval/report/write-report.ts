import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvaluationReport } from '../report-types.js';
import { buildCharts } from './charts.js';
import { renderReportHtml, type RenderedChart } from './html.js';
import { renderSvg } from './render-svg.js';

export const REPORT_JSON = 'report.json';
export const REPORT_HTML = 'report.html';

/** Renders every chart of the report to SVG; a chart without data keeps its reason instead. */
export async function renderCharts(report: EvaluationReport): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = [];
  for (const chart of buildCharts(report)) {
    rendered.push({ chart, svg: chart.spec === null ? null : await renderSvg(chart.spec) });
  }
  return rendered;
}

/**
 * Writes report.json and report.html into `directory`, each under a temporary name first and
 * renamed into place, so a reader never sees a half-written file. Returns the two paths.
 */
export async function writeReportFiles(report: EvaluationReport, directory: string): Promise<{ json: string; html: string }> {
  await mkdir(directory, { recursive: true });
  const json = path.resolve(directory, REPORT_JSON);
  const html = path.resolve(directory, REPORT_HTML);
  const withFiles: EvaluationReport = { ...report, files: { json, html } };
  const page = renderReportHtml(withFiles, await renderCharts(withFiles));
  await writeAtomically(json, `${JSON.stringify(withFiles, jsonNumbers, 2)}\n`);
  await writeAtomically(html, page);
  return { json, html };
}

async function writeAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, 'utf8');
  await rename(temporary, file);
}

/** JSON has no NaN or Infinity: such values become null. */
export function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}
