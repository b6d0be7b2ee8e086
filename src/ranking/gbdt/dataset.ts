import { TwostageError } from '../../errors.js';

/** Training or validation rows for the GBDT trainer. */
export interface GbdtDataset {
  /** Row-major float32 features, shape [rows, featureNames.length]; NaN marks a missing value. */
  matrix: Float32Array;
  rows: number;
  featureNames: string[];
  /** One label per row: the target (regression), 0/1 (binary:logistic), a relevance grade 0–31 (ranking). */
  labels: Float32Array;
  /** Optional weights: one per row, or for ranking objectives one per query group (as XGBoost). */
  weights?: Float32Array;
  /**
   * Query groups of a ranking objective as offsets into the rows: [0, end of group 1, …, rows].
   * Give either `groups` or `queryIds`.
   */
  groups?: Int32Array;
  /** Query id of each row; rows of one query must be adjacent. Converted to `groups`. */
  queryIds?: ArrayLike<number>;
}

/** A dataset after validation: ranking data always has group offsets. */
export interface CheckedDataset extends GbdtDataset {
  groups?: Int32Array;
  columns: number;
}

function fail(role: string, message: string): never {
  throw new TwostageError('REC_ERR_TRAINING_FAILED', `invalid ${role} data: ${message}`);
}

/**
 * Validates shapes, labels and query groups and returns the dataset with `groups` set for ranking
 * objectives. Group offsets must start at 0, grow strictly (no empty group) and end at `rows`. A
 * query id that reappears after another query is rejected, because rows of one query must be
 * contiguous.
 */
export function checkDataset(data: GbdtDataset, objective: string, role: 'training' | 'validation'): CheckedDataset {
  const columns = data.featureNames.length;
  if (!Number.isInteger(data.rows) || data.rows < 1) fail(role, `rows must be a positive integer, got ${data.rows}`);
  if (columns < 1) fail(role, 'featureNames is empty');
  if (new Set(data.featureNames).size !== columns) fail(role, 'featureNames contains a duplicate name');
  if (data.matrix.length !== data.rows * columns) {
    fail(role, `matrix has ${data.matrix.length} values, expected rows × features = ${data.rows} × ${columns}`);
  }
  if (data.labels.length !== data.rows) fail(role, `labels has ${data.labels.length} values, expected one per row (${data.rows})`);
  checkLabels(data.labels, objective, role);

  const ranking = objective.startsWith('rank:');
  let groups: Int32Array | undefined;
  if (ranking) {
    groups = data.groups ?? (data.queryIds ? groupsFromQueryIds(data.queryIds, data.rows, role) : undefined);
    if (data.groups && data.queryIds) fail(role, 'give either groups or queryIds, not both');
    if (!groups) fail(role, `${objective} needs query groups: pass groups (offsets) or queryIds`);
    checkGroupOffsets(groups, data.rows, role);
  } else if (data.groups || data.queryIds) {
    fail(role, `query groups are only used by ranking objectives, not ${objective}`);
  }

  if (data.weights) {
    const expected = ranking ? (groups as Int32Array).length - 1 : data.rows;
    if (data.weights.length !== expected) fail(role, `weights has ${data.weights.length} values, expected ${expected} (one per ${ranking ? 'query group' : 'row'})`);
    for (let i = 0; i < data.weights.length; i++) {
      if (!(data.weights[i] >= 0) || !Number.isFinite(data.weights[i])) fail(role, `weights[${i}] is ${data.weights[i]}, expected a finite number ≥ 0`);
    }
  }
  return { ...data, groups, columns };
}

function checkLabels(labels: Float32Array, objective: string, role: string): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isFinite(y)) fail(role, `label of row ${i} is ${y}, expected a finite number`);
    if (objective === 'binary:logistic' && (y < 0 || y > 1)) fail(role, `label of row ${i} is ${y}, expected a value in [0, 1] for binary:logistic`);
    if (objective === 'rank:ndcg' && !(Number.isInteger(y) && y >= 0 && y <= 31)) {
      fail(role, `label of row ${i} is ${y}, expected an integer relevance grade from 0 to 31 for rank:ndcg`);
    }
  }
}

/** Checks query-group offsets: [0, …, rows], strictly increasing. */
export function checkGroupOffsets(groups: Int32Array, rows: number, role: string): void {
  if (groups.length < 2) fail(role, `groups must have at least two offsets [0, …, rows], got ${groups.length}`);
  if (groups[0] !== 0) fail(role, `groups must start at 0, got ${groups[0]}`);
  for (let g = 1; g < groups.length; g++) {
    if (groups[g] <= groups[g - 1]) fail(role, `groups[${g}] = ${groups[g]} is not greater than groups[${g - 1}] = ${groups[g - 1]}: offsets must increase (no empty group)`);
  }
  const last = groups[groups.length - 1];
  if (last !== rows) fail(role, `groups end at ${last} but there are ${rows} rows: the group sizes must add up to the row count`);
}

function groupsFromQueryIds(queryIds: ArrayLike<number>, rows: number, role: string): Int32Array {
  if (queryIds.length !== rows) fail(role, `queryIds has ${queryIds.length} values, expected one per row (${rows})`);
  const offsets = [0];
  const seen = new Set<number>([queryIds[0]]);
  for (let r = 1; r < rows; r++) {
    if (queryIds[r] === queryIds[r - 1]) continue;
    if (seen.has(queryIds[r])) fail(role, `query ${queryIds[r]} reappears at row ${r} after other queries: rows of one query must be contiguous`);
    seen.add(queryIds[r]);
    offsets.push(r);
  }
  offsets.push(rows);
  return Int32Array.from(offsets);
}
