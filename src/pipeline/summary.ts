/** Time spent in one pipeline step. */
export interface StepTiming {
  readonly step: string;
  readonly seconds: number;
}

/** Report of one `twostage pipeline` run, printed as one object with `--json`. */
export interface PipelineSummary {
  readonly dataset: {
    readonly sources: readonly string[];
    readonly format: string;
    readonly feedback: string;
    readonly users: number;
    readonly items: number;
    readonly interactions: number;
    /** Malformed lines skipped by the ingest step (0 unless --on-bad-line skip). */
    readonly badLines: number;
    readonly fingerprint: string;
  };
  readonly features: { readonly groups: readonly { group: string; onlineEntities: number }[]; readonly snapshotFeatures: readonly string[] };
  readonly retrieval: {
    readonly version: string;
    readonly sources: readonly { name: string; quota: number }[];
    readonly candidateUsers: number;
    readonly candidateVersion: string;
    readonly fallbackMethod: string;
  };
  /** Null when the data gave no usable ranker rows; the API then serves candidates in retrieval order. */
  readonly ranker: { readonly version: string | null; readonly objective: string; readonly features: number; readonly metrics: Readonly<Record<string, number>> } | null;
  /** Offline evaluation of the two-stage model against popularity (report.html in WORKDIR). */
  readonly evaluation: {
    readonly split: string;
    readonly protocol: string;
    readonly headline: readonly { model: string; users: number; values: Readonly<Record<string, number | null>> }[];
    readonly report: string | null;
  };
  readonly promoted: readonly string[];
  /** Versions this run took out of production without a successor: a ranker of earlier data when the run trained none. */
  readonly archived: readonly string[];
  /** A user with precomputed candidates, for example requests. */
  readonly exampleUserId: string | null;
  readonly steps: readonly StepTiming[];
  readonly seconds: number;
}

/** Formats the summary as text lines for the terminal. */
export function formatPipelineSummary(summary: PipelineSummary): string {
  const d = summary.dataset;
  const lines = [
    `dataset     ${d.format} (${d.feedback}): ${d.users} users, ${d.items} items, ${d.interactions} interactions${d.badLines > 0 ? `; ${d.badLines} malformed lines skipped` : ''}`,
    `retrieval   ${summary.retrieval.version}: ${summary.retrieval.sources.map((s) => `${s.name}:${s.quota}`).join(', ')}; candidates for ${summary.retrieval.candidateUsers} users`,
    `fallback    ${summary.retrieval.fallbackMethod}`,
  ];
  if (summary.ranker) {
    const metrics = Object.entries(summary.ranker.metrics)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
      .join(' ');
    lines.push(`ranker      ${summary.ranker.version} ${summary.ranker.objective}, ${summary.ranker.features} features: ${metrics}`);
  } else {
    lines.push('ranker      not trained (no usable training rows); the API serves candidates in retrieval order');
  }
  for (const row of summary.evaluation.headline) {
    const values = Object.entries(row.values)
      .map(([k, v]) => `${k}=${v === null ? '–' : v.toFixed(4)}`)
      .join(' ');
    lines.push(`evaluation  ${row.model.padEnd(10)} ${values} (${row.users} users)`);
  }
  if (summary.evaluation.report) lines.push(`report      ${summary.evaluation.report}`);
  lines.push(`promoted    ${summary.promoted.join(', ')}`);
  if (summary.archived.length > 0) lines.push(`archived    ${summary.archived.join(', ')} (no successor from this run)`);
  lines.push(`steps       ${summary.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)}s`).join(', ')}`);
  lines.push(`total       ${summary.seconds.toFixed(1)} s`);
  return lines.join('\n');
}
