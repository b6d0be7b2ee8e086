import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { trainGbdt } from '../src/ranking/gbdt/train.js';

/**
 * Trains on a synthetic table in a process of its own, so the peak resident memory it prints
 * belongs to this training alone. Run by gbdt.bench.ts:
 * `node dist/bench/gbdt-large.js ROWS ROUNDS NTHREAD [DUMP_FILE]`; prints one JSON line.
 * With DUMP_FILE, the float32 matrix and labels are also written there for XGBoost to read.
 */
export const LARGE_FEATURES = 20;

/** 20 features: 8 uniform, 2 with 20% missing, 10 binary (one-hot-like); label from a few of them plus noise. */
export function syntheticLarge(rows: number): { matrix: Float32Array; labels: Float32Array } {
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296;
  const matrix = new Float32Array(rows * LARGE_FEATURES);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = matrix.subarray(r * LARGE_FEATURES, (r + 1) * LARGE_FEATURES);
    for (let f = 0; f < 8; f++) row[f] = next();
    for (let f = 8; f < 10; f++) row[f] = next() < 0.2 ? Number.NaN : next() * 100;
    const hot = 10 + Math.floor(next() * 10);
    row[hot] = 1;
    const x9 = Number.isNaN(row[9]) ? 50 : row[9];
    labels[r] = 3 * row[0] - 2 * row[1] * row[2] + (row[3] > 0.5 ? 1 : 0) + x9 / 100 + (hot - 10) * 0.1 + (next() - 0.5);
  }
  return { matrix, labels };
}

async function main(): Promise<void> {
  const [rows, rounds, nthread] = process.argv.slice(2, 5).map(Number);
  const dump = process.argv[5];
  const { matrix, labels } = syntheticLarge(rows);
  if (dump) {
    writeFileSync(`${dump}.x`, matrix);
    writeFileSync(`${dump}.y`, labels);
  }
  const featureNames = Array.from({ length: LARGE_FEATURES }, (_, f) => `f${f}`);
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const result = await trainGbdt({ max_depth: 6, eta: 0.1, num_boost_round: rounds, nthread }, { matrix, rows, featureNames, labels }, { progress: false });
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const inputMb = (matrix.byteLength + labels.byteLength) / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ rows, rounds, nthread, seconds, peakRssMb, rssBeforeTrainingMb: before / 2 ** 20, inputMb, trees: result.model.trees.length })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
