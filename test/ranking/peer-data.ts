import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sharedPath } from '../helpers/shared.js';

/** A feature table of the XGBoost reference files: 46 features in model order, NaN = missing. */
export interface PeerTable {
  header: string[];
  featureNames: string[];
  rows: number;
  matrix: Float32Array;
  userIds: Int32Array;
  ratings: Float32Array;
  /** Extra numeric columns after the features (pred_reg, pred_rank in the test file). */
  extra: Record<string, Float64Array>;
}

const FEATURE_COUNT = 46;

/** Reads u1_train_features.csv.gz or u1_test_features.csv from the shared reference folder. */
export function readPeerTable(name: 'u1_train_features.csv.gz' | 'u1_test_features.csv'): PeerTable {
  const raw = readFileSync(sharedPath('peers', name));
  const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split('\n').filter((line) => line.length > 0);
  const header = lines[0].split(',');
  const featureNames = header.slice(3, 3 + FEATURE_COUNT);
  const extraNames = header.slice(3 + FEATURE_COUNT);
  const rows = lines.length - 1;
  const matrix = new Float32Array(rows * FEATURE_COUNT);
  const userIds = new Int32Array(rows);
  const ratings = new Float32Array(rows);
  const extra: Record<string, Float64Array> = Object.fromEntries(extraNames.map((n) => [n, new Float64Array(rows)]));
  for (let r = 0; r < rows; r++) {
    const fields = lines[r + 1].split(',');
    userIds[r] = Number(fields[0]);
    ratings[r] = Number(fields[2]);
    for (let j = 0; j < FEATURE_COUNT; j++) matrix[r * FEATURE_COUNT + j] = Number(fields[3 + j]);
    extraNames.forEach((n, k) => (extra[n][r] = Number(fields[3 + FEATURE_COUNT + k])));
  }
  return { header, featureNames, rows, matrix, userIds, ratings, extra };
}

/** Query-group offsets for rows sorted by user: [0, end of user 1, …, rows]. */
export function groupOffsetsByUser(userIds: Int32Array): Int32Array {
  const offsets = [0];
  for (let r = 1; r < userIds.length; r++) if (userIds[r] !== userIds[r - 1]) offsets.push(r);
  offsets.push(userIds.length);
  return Int32Array.from(offsets);
}
