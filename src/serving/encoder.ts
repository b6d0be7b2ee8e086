import { ModelError } from '../errors.js';
import { compareCodeUnits } from '../retrieval/types.js';
import type { Candidate, FeatureValue } from '../store/types.js';
import type { CandidateEncoder, EncodeInput, NamedValues } from './types.js';

/** Name of the ranker feature that carries the candidate's merged retrieval score. */
export const RETRIEVAL_SCORE_FEATURE = 'retrieval_score';

/** Name of the ranker feature that carries the candidate's 1-based position in its list by merged retrieval score. */
export const RETRIEVAL_RANK_FEATURE = 'retrieval_rank';

/**
 * 1-based rank of each candidate within its list by merged retrieval score (higher first, ties by
 * item id), whatever order the list is stored in.
 */
export function retrievalRanks(candidates: readonly Candidate[]): Int32Array {
  const order = candidates.map((_, k) => k);
  order.sort((a, b) => candidates[b].score - candidates[a].score || compareCodeUnits(candidates[a].itemId, candidates[b].itemId));
  const ranks = new Int32Array(candidates.length);
  order.forEach((k, position) => (ranks[k] = position + 1));
  return ranks;
}

/**
 * One ranker column: `numeric` copies the named value (NaN when missing or not a number);
 * `one_hot` is 1 when the named categorical value equals `category` (or a category list contains
 * it), 0 when the value is present but different, NaN when the value is missing.
 */
export interface EncoderColumn {
  readonly name: string;
  readonly source: string;
  readonly kind: 'numeric' | 'one_hot';
  readonly category?: string;
}

/** The encoder saved beside a ranker as `encoder.json`; column j is the model's feature j. */
export interface EncoderSpec {
  readonly format: 'twostage-encoder';
  readonly version: 1;
  readonly columns: readonly EncoderColumn[];
}

/** Name of a one-hot column: `source=category`. */
export function oneHotName(source: string, category: string): string {
  return `${source}=${category}`;
}

/**
 * Assembles ranker rows by feature name from the user's values, each candidate item's values and
 * the candidate's retrieval score and per-source extras. The same encoder builds the training
 * matrix, so a feature means the same thing in training and serving.
 */
export class ByNameEncoder implements CandidateEncoder {
  readonly featureNames: readonly string[];
  private readonly columns: readonly EncoderColumn[];

  constructor(spec: EncoderSpec) {
    this.columns = spec.columns;
    this.featureNames = spec.columns.map((c) => c.name);
  }

  /** An encoder of numeric columns named like the model's features (for models trained elsewhere). */
  static numeric(featureNames: readonly string[]): ByNameEncoder {
    return new ByNameEncoder({ format: 'twostage-encoder', version: 1, columns: featureNames.map((name) => ({ name, source: name, kind: 'numeric' })) });
  }

  encode(input: EncodeInput, out: Float32Array): void {
    const width = this.columns.length;
    const rows = input.candidates.length;
    if (out.length < rows * width) throw new RangeError(`output matrix has length ${out.length}, expected at least ${rows * width}`);
    const ranks = retrievalRanks(input.candidates);
    for (let row = 0; row < rows; row++) {
      this.encodeRow(input.user, input.items[row] ?? {}, input.candidates[row], out, row * width, ranks[row]);
    }
  }

  /** Writes one row at `offset`: the features of one (user, item) pair; `retrievalRank` from retrievalRanks, when the row is a candidate. */
  encodeRow(user: NamedValues, item: NamedValues, candidate: Candidate | null, out: Float32Array, offset: number, retrievalRank = Number.NaN): void {
    for (let j = 0; j < this.columns.length; j++) {
      const column = this.columns[j];
      const value = column.source === RETRIEVAL_RANK_FEATURE ? (candidate ? retrievalRank : Number.NaN) : lookup(column.source, user, item, candidate);
      out[offset + j] = column.kind === 'numeric' ? numeric(value) : oneHot(value, column.category ?? '');
    }
  }
}

/** Parses and checks `encoder.json` against the model's feature names. */
export function parseEncoderSpec(text: string, featureNames: readonly string[], source: string): EncoderSpec {
  let spec: EncoderSpec;
  try {
    spec = JSON.parse(text) as EncoderSpec;
  } catch (error) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${source}: invalid JSON: ${(error as Error).message}`);
  }
  if (spec?.format !== 'twostage-encoder' || spec.version !== 1 || !Array.isArray(spec.columns)) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${source}: expected {"format": "twostage-encoder", "version": 1, "columns": [...]}`);
  }
  const names = spec.columns.map((c) => c.name);
  if (names.length !== featureNames.length || names.some((name, i) => name !== featureNames[i])) {
    throw new ModelError(
      'REC_ERR_MODEL_INVALID',
      `${source}: encoder columns do not match the model's features (${names.length} columns, model has ${featureNames.length}); retrain or re-export both together`,
    );
  }
  return spec;
}

function lookup(source: string, user: NamedValues, item: NamedValues, candidate: Candidate | null): FeatureValue | undefined {
  if (candidate) {
    if (source === RETRIEVAL_SCORE_FEATURE) return candidate.score;
    const extra = candidate.extras?.[source];
    if (extra !== undefined) return extra;
  }
  return item[source] ?? user[source];
}

function numeric(value: FeatureValue | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

function oneHot(value: FeatureValue | undefined, category: string): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'string') return value === category ? 1 : 0;
  if (Array.isArray(value)) return value.includes(category) ? 1 : 0;
  return Number.NaN;
}
