import type { EvaluationSettings, ModelReport, PopulationSummary } from './evaluate-models.js';
import type { SplitKind } from './split-types.js';

/** Everything an evaluation run measured; written as report.json and rendered as report.html. */
export interface EvaluationReport {
  /** Format version of this object; bumped when a field changes meaning. */
  readonly reportVersion: 1;
  /** Time the run finished, ISO 8601 UTC. */
  readonly createdAt: string;
  readonly dataset: {
    readonly format: string | null;
    readonly feedback: string | null;
    readonly fingerprint: string | null;
  };
  readonly split: {
    readonly kind: SplitKind;
    readonly description: string;
    /** Cut time of a temporal split, ISO 8601 UTC. */
    readonly cutTime: string | null;
  };
  /** The ranking protocol in one paragraph, stated next to every number. */
  readonly protocol: string;
  readonly settings: EvaluationSettings;
  readonly population: PopulationSummary;
  readonly models: readonly ModelReport[];
  /** Files written, absolute paths; empty when the caller asked for no files. */
  readonly files: { readonly json: string | null; readonly html: string | null };
}
