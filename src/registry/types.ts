import type { ModelVersionRecord } from '../store/types.js';

/** Model kinds the registry holds: the candidate generator and the reordering model. */
export const MODEL_KINDS = ['retrieval', 'ranker'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** Registration input from a trainer; the registry adds the stage and the creation time. */
export interface RegisterRequest {
  readonly kind: ModelKind;
  /** Version id; a new time-based id when omitted. */
  readonly version?: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly dataFingerprint: string;
  /** Artifact store key the model files were written under. */
  readonly artifactKey: string;
  /** Candidate store version precomputed with this model (retrieval only). */
  readonly candidateVersion?: string | null;
  /** Creation time in ms since the Unix epoch (default: now). */
  readonly createdAt?: number;
}

/** Outcome of a promotion or rollback. */
export interface StageTransition {
  readonly kind: ModelKind;
  /** The version now in production. */
  readonly current: ModelVersionRecord;
  /** The version that was in production before, now archived; null when there was none or it is the same. */
  readonly previous: ModelVersionRecord | null;
  /** Candidate store version made active with a retrieval model; null for rankers. */
  readonly activatedCandidateVersion: string | null;
}
