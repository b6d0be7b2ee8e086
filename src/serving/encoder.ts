import { ModelError } from '../errors.js';
import { compareCodeUnits } from '../retrieval/types.js';
import type { Candidate, FeatureValue } from '../store/types.js';
import type { CandidateEncoder, EncodeInput, NamedValues, PairColumns } from './types.js';

/** Name of the ranker feature that carries the candidate's merged retrieval score. */
export const RETRIEVAL_SCORE_FEATURE = 'retrieval_score';

/** Name of the ranker feature that carries the candidate's 1-based position in its list by merged retrieval score. */
export const RETRIEVAL_RANK_FEATURE = 'retrieval_rank';

/**
 * 1-based rank of each candidate within its list by merged retrieval score (higher first, ties by
 * item id), whatever order the list is stored in.
 */
export function retrievalRanks(candidates: readonly Candidate[]): Int32Array {
  const ranks = new Int32Array(candidates.length);
  // Stores keep lists in this order, so the common case is a check instead of a sort.
  if (isInRetrievalOrder(candidates)) {
    for (let k = 0; k < ranks.length; k++) ranks[k] = k + 1;
    return ranks;
  }
  const order = candidates.map((_, k) => k);
  order.sort((a, b) => candidates[b].score - candidates[a].score || compareCodeUnits(candidates[a].itemId, candidates[b].itemId));
  order.forEach((k, position) => (ranks[k] = position + 1));
  return ranks;
}

/** True when the list is strictly ordered by score descending, then item id ascending (no NaN score). */
function isInRetrievalOrder(candidates: readonly Candidate[]): boolean {
  for (let k = 1; k < candidates.length; k++) {
    const previous = candidates[k - 1];
    const current = candidates[k];
    if (previous.score > current.score) continue;
    if (previous.score === current.score && compareCodeUnits(previous.itemId, current.itemId) < 0) continue;
    return false;
  }
  return candidates.length === 0 || candidates[0].score === candidates[0].score;
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

/** Source kinds of a column's value, decided once per encoder. */
const SOURCE_RETRIEVAL_SCORE = 0;
const SOURCE_RETRIEVAL_RANK = 1;
const SOURCE_NAMED = 2;

/**
 * One entity's named columns encoded from its own values: NaN where it has no value, and for the
 * retrieval score and rank columns, which each request fills from the candidate.
 */
interface EncodedItem {
  readonly values: Float32Array;
  /** Named columns whose source value is null or absent; in an item's row they take the user's value. */
  readonly absent: Int32Array;
}

/**
 * Assembles ranker rows by feature name from the user's values, each candidate item's values and
 * the candidate's retrieval score and per-source extras. The same encoder builds the training
 * matrix, so a feature means the same thing in training and serving.
 *
 * A value is looked up in this order: the retrieval score and rank columns from the candidate,
 * then the candidate's extras, then the item's values, then the user's. `encode` keeps each item's
 * encoded columns in a WeakMap keyed by the item's values object. The serving feature reader
 * returns the same object for an item while it is cached, so an item is encoded once per cache
 * period and per ranker version, because each loaded ranker has its own encoder.
 */
export class ByNameEncoder implements CandidateEncoder {
  readonly featureNames: readonly string[];
  private readonly columns: readonly EncoderColumn[];
  private readonly sourceKinds: Uint8Array;
  /** Columns of the retrieval score and of the retrieval rank (a spec may name either twice). */
  private readonly scoreColumns: Int32Array;
  private readonly rankColumns: Int32Array;
  /** Named columns by source name, for the candidate extras that override item and user values. */
  private readonly columnsBySource: ReadonlyMap<string, readonly number[]>;
  private readonly encodedItems = new WeakMap<NamedValues, EncodedItem>();

  constructor(spec: EncoderSpec) {
    this.columns = spec.columns;
    this.featureNames = spec.columns.map((c) => c.name);
    this.sourceKinds = Uint8Array.from(spec.columns, (c) => sourceKind(c.source));
    const columnsOfKind = (kind: number) => Int32Array.from(spec.columns.keys()).filter((j) => this.sourceKinds[j] === kind);
    this.scoreColumns = columnsOfKind(SOURCE_RETRIEVAL_SCORE);
    this.rankColumns = columnsOfKind(SOURCE_RETRIEVAL_RANK);
    const bySource = new Map<string, number[]>();
    spec.columns.forEach((column, j) => {
      if (this.sourceKinds[j] !== SOURCE_NAMED) return;
      const list = bySource.get(column.source) ?? [];
      list.push(j);
      bySource.set(column.source, list);
    });
    this.columnsBySource = bySource;
  }

  /** An encoder of numeric columns named like the model's features (for models trained elsewhere). */
  static numeric(featureNames: readonly string[]): ByNameEncoder {
    return new ByNameEncoder({ format: 'twostage-encoder', version: 1, columns: featureNames.map((name) => ({ name, source: name, kind: 'numeric' })) });
  }

  /** Writes the rows of `input.candidates` to `out` (shape [candidates, columns]); the same values as `encodeRow` on each candidate. */
  encode(input: EncodeInput, out: Float32Array): void {
    const width = this.columns.length;
    const rows = input.candidates.length;
    if (out.length < rows * width) throw new RangeError(`output matrix has length ${out.length}, expected at least ${rows * width}`);
    const ranks = retrievalRanks(input.candidates);
    const user = this.encodeValues(input.user).values;
    const pairs = input.pairColumns;
    const pairTargets = pairs?.names.map((name) => this.columnsBySource.get(name)) ?? [];

    for (let row = 0; row < rows; row++) {
      const candidate = input.candidates[row];
      const values = input.items[row];
      const offset = row * width;
      // The item's row, then the user's values where the item has none, then the candidate's columns.
      if (values === undefined) {
        out.set(user, offset);
      } else {
        const item = this.encodedItem(values);
        out.set(item.values, offset);
        for (let k = 0; k < item.absent.length; k++) out[offset + item.absent[k]] = user[item.absent[k]];
      }
      for (let k = 0; k < this.scoreColumns.length; k++) out[offset + this.scoreColumns[k]] = numeric(candidate.score);
      for (let k = 0; k < this.rankColumns.length; k++) out[offset + this.rankColumns[k]] = ranks[row];
      if (candidate.extras !== undefined) this.encodeOverrides(candidate.extras, out, offset);
      for (let k = 0; k < pairTargets.length; k++) {
        const targets = pairTargets[k];
        if (targets === undefined) continue;
        const value = (pairs as PairColumns).values[k][row];
        for (const j of targets) out[offset + j] = this.encodeValue(j, value);
      }
    }
  }

  /** Writes the named columns of `values` that the model uses into the row at `offset`, over what is there. */
  private encodeOverrides(values: Readonly<Record<string, FeatureValue | undefined>>, out: Float32Array, offset: number): void {
    for (const source in values) {
      const value = values[source];
      const targets = value === undefined ? undefined : this.columnsBySource.get(source);
      if (targets === undefined) continue;
      for (const j of targets) out[offset + j] = this.encodeValue(j, value);
    }
  }

  /** Writes one row at `offset`: the features of one (user, item) pair; `retrievalRank` from retrievalRanks, when the row is a candidate. */
  encodeRow(user: NamedValues, item: NamedValues, candidate: Candidate | null, out: Float32Array, offset: number, retrievalRank = Number.NaN): void {
    for (let j = 0; j < this.columns.length; j++) {
      const column = this.columns[j];
      const value = column.source === RETRIEVAL_RANK_FEATURE ? (candidate ? retrievalRank : Number.NaN) : lookup(column.source, user, item, candidate);
      out[offset + j] = this.encodeValue(j, value);
    }
  }

  private encodedItem(values: NamedValues): EncodedItem {
    let encoded = this.encodedItems.get(values);
    if (encoded === undefined) {
      encoded = this.encodeValues(values);
      this.encodedItems.set(values, encoded);
    }
    return encoded;
  }

  /** Encodes every named column from one entity's values. */
  private encodeValues(values: NamedValues): EncodedItem {
    const width = this.columns.length;
    const encoded = new Float32Array(width).fill(Number.NaN);
    const absent: number[] = [];
    for (let j = 0; j < width; j++) {
      if (this.sourceKinds[j] !== SOURCE_NAMED) continue;
      const value = values[this.columns[j].source];
      if (value === null || value === undefined) {
        absent.push(j);
        continue;
      }
      encoded[j] = this.encodeValue(j, value);
    }
    return { values: encoded, absent: Int32Array.from(absent) };
  }

  private encodeValue(j: number, value: FeatureValue | undefined): number {
    const column = this.columns[j];
    return column.kind === 'numeric' ? numeric(value) : oneHot(value, column.category ?? '');
  }
}

function sourceKind(source: string): number {
  if (source === RETRIEVAL_RANK_FEATURE) return SOURCE_RETRIEVAL_RANK;
  if (source === RETRIEVAL_SCORE_FEATURE) return SOURCE_RETRIEVAL_SCORE;
  return SOURCE_NAMED;
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
