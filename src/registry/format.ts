import type { ModelVersionRecord } from '../store/types.js';
import type { StageTransition } from './types.js';

/** Converts a record to the `twostage models … --json` shape: times as ISO strings next to the ms value. */
export function recordToJson(record: ModelVersionRecord): Record<string, unknown> {
  return {
    kind: record.kind,
    version: record.version,
    stage: record.stage,
    created_at: new Date(record.createdAt).toISOString(),
    created_at_ms: record.createdAt,
    params: record.params,
    metrics: record.metrics,
    data_fingerprint: record.dataFingerprint,
    artifact_key: record.artifactKey,
    candidate_version: record.candidateVersion,
  };
}

/** One line per version: kind, version, stage, creation time, candidate version and the first metrics. */
export function formatVersionTable(records: readonly ModelVersionRecord[]): string {
  if (records.length === 0) return 'no model versions registered; run `twostage pipeline` to train and register models';
  const rows = records.map((r) => [
    r.kind,
    r.version,
    r.stage,
    new Date(r.createdAt).toISOString(),
    r.candidateVersion ?? '-',
    formatMetrics(r.metrics, 3),
  ]);
  const header = ['KIND', 'VERSION', 'STAGE', 'CREATED', 'CANDIDATES', 'METRICS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

/** Every field of one version, one per line. */
export function formatVersionDetail(record: ModelVersionRecord): string {
  const lines = [
    `kind:              ${record.kind}`,
    `version:           ${record.version}`,
    `stage:             ${record.stage}`,
    `created:           ${new Date(record.createdAt).toISOString()}`,
    `artifact key:      ${record.artifactKey}`,
    `candidate version: ${record.candidateVersion ?? '-'}`,
    `data fingerprint:  ${record.dataFingerprint}`,
    'params:',
    ...Object.entries(record.params).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
    'metrics:',
    ...Object.entries(record.metrics).map(([key, value]) => `  ${key}: ${formatNumber(value)}`),
  ];
  return lines.join('\n');
}

export function formatTransition(verb: string, transition: StageTransition): string {
  const lines = [`${verb} ${transition.kind} ${transition.current.version} to production`];
  if (transition.previous) lines.push(`archived ${transition.kind} ${transition.previous.version}`);
  if (transition.activatedCandidateVersion) lines.push(`activated candidate version ${transition.activatedCandidateVersion}`);
  return lines.join('\n');
}

export function transitionToJson(transition: StageTransition): Record<string, unknown> {
  return {
    kind: transition.kind,
    current: recordToJson(transition.current),
    previous: transition.previous ? recordToJson(transition.previous) : null,
    activated_candidate_version: transition.activatedCandidateVersion,
  };
}

function formatMetrics(metrics: Readonly<Record<string, number>>, count: number): string {
  const entries = Object.entries(metrics);
  if (entries.length === 0) return '-';
  const shown = entries.slice(0, count).map(([key, value]) => `${key}=${formatNumber(value)}`);
  return entries.length > count ? `${shown.join(' ')} …` : shown.join(' ');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
