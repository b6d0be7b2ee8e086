import { describe, expect, it } from 'vitest';
import { buildBinnedMatrix } from '../../src/ranking/gbdt/binned-matrix.js';
import { SPLIT_MIN_ROWS } from '../../src/ranking/gbdt/histogram.js';
import { SerialKernels, type NodeKernels } from '../../src/ranking/gbdt/kernels.js';
import { createParallelKernels, sharedFloat64, sharedInt32 } from '../../src/ranking/gbdt/parallel-histogram.js';
import { computeCuts } from '../../src/ranking/gbdt/quantile.js';

const ROWS = 3 * SPLIT_MIN_ROWS + 17;
const COLUMNS = 4;

/** Seeded table: a continuous column, one with 30% missing, a 3-valued one and a mostly-zero one, and gradient pairs. */
function fixture(shared: boolean) {
  let state = 99;
  const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const matrix = new Float32Array(ROWS * COLUMNS);
  const gradPairs = shared ? sharedFloat64(2 * ROWS) : new Float64Array(2 * ROWS);
  for (let r = 0; r < ROWS; r++) {
    matrix[r * COLUMNS] = next();
    matrix[r * COLUMNS + 1] = next() < 0.3 ? Number.NaN : next() * 10;
    matrix[r * COLUMNS + 2] = Math.floor(next() * 3);
    matrix[r * COLUMNS + 3] = next() < 0.9 ? 0 : 1;
    // Full float64 values: sums of float32 gradients are usually exact in float64, which would hide the order of addition.
    gradPairs[2 * r] = next() - 0.5 + next() * 1e-9;
    gradPairs[2 * r + 1] = next() + 0.01 + next() * 1e-9;
  }
  const bins = buildBinnedMatrix(matrix, ROWS, COLUMNS, computeCuts(matrix, ROWS, COLUMNS, 256), shared);
  const rowIndex = shared ? sharedInt32(ROWS) : new Int32Array(ROWS);
  // Every third row dropped, as row sampling leaves gaps.
  let sampled = 0;
  for (let r = 0; r < ROWS; r++) if (r % 3 !== 1) rowIndex[sampled++] = r;
  const goesRight = shared ? new Uint8Array(new SharedArrayBuffer(257)) : new Uint8Array(257);
  return { bins, gradPairs, rowIndex, sampled, goesRight };
}

async function withKernels<T>(threads: 1 | 2, run: (kernels: NodeKernels, data: ReturnType<typeof fixture>) => T): Promise<T> {
  const data = fixture(threads === 2);
  const kernels = threads === 2 ? await createParallelKernels(data.bins, data.gradPairs, data.rowIndex, data.goesRight) : new SerialKernels(data.bins, data.goesRight);
  try {
    return run(kernels, data);
  } finally {
    await kernels.close();
  }
}

describe('GBDT node kernels', () => {
  it('histograms are bit-identical across thread counts', async () => {
    const build = (kernels: NodeKernels, data: ReturnType<typeof fixture>) => {
      const hist = new Float64Array(2 * data.bins.totalBins);
      kernels.build(data.rowIndex, 0, data.sampled, data.gradPairs, hist);
      return hist;
    };
    const one = await withKernels(1, build);
    const two = await withKernels(2, build);
    expect(one.some((v) => v !== 0)).toBe(true);
    expect(Array.from(two)).toEqual(Array.from(one));
  });

  it('histogram matches a row-by-row sum', async () => {
    const data = fixture(false);
    const hist = new Float64Array(2 * data.bins.totalBins);
    new SerialKernels(data.bins, data.goesRight).build(data.rowIndex, 0, data.sampled, data.gradPairs, hist);
    // Expected sums of every bin but each feature's default bin, which build leaves at 0.
    const expected = new Float64Array(hist.length);
    for (let f = 0; f < COLUMNS; f++) {
      for (let i = 0; i < data.sampled; i++) {
        const r = data.rowIndex[i];
        const bin = data.bins.binStart[f] + data.bins.columnBins[f * ROWS + r];
        if (bin === data.bins.defaultBin[f]) continue;
        expected[2 * bin] += data.gradPairs[2 * r];
        expected[2 * bin + 1] += data.gradPairs[2 * r + 1];
      }
    }
    for (let k = 0; k < hist.length; k++) expect(hist[k]).toBeCloseTo(expected[k], 9);
  });

  it.each([
    ['continuous, left half', 0, 120, false],
    ['missing goes left', 1, 60, true],
    ['missing goes right', 1, 60, false],
    ['three values', 2, 0, false],
  ])('partition is stable and thread-independent (%s)', async (_name, feature, leftMaxBin, defaultLeft) => {
    const split = (kernels: NodeKernels, data: ReturnType<typeof fixture>) => {
      const missingBin = data.bins.binStart[feature + 1] - data.bins.binStart[feature] - 1;
      for (let b = 0; b < missingBin; b++) data.goesRight[b] = b <= leftMaxBin ? 0 : 1;
      data.goesRight[missingBin] = defaultLeft ? 0 : 1;
      const boundary = kernels.partition(data.rowIndex, 5, data.sampled, feature);
      const column = data.bins.columnBins.subarray(feature * ROWS, (feature + 1) * ROWS);
      const expectedLeft: number[] = [];
      const expectedRight: number[] = [];
      for (const r of fixture(false).rowIndex.subarray(5, data.sampled)) (data.goesRight[column[r]] ? expectedRight : expectedLeft).push(r);
      return { boundary, rows: Array.from(data.rowIndex.subarray(0, data.sampled)), expected: [...Array.from(data.rowIndex.subarray(0, 5)), ...expectedLeft, ...expectedRight], left: expectedLeft.length };
    };
    const one = await withKernels(1, split);
    const two = await withKernels(2, split);
    expect(one.left).toBeGreaterThan(0);
    expect(one.boundary).toBe(5 + one.left);
    expect(one.rows).toEqual(one.expected);
    expect(two.boundary).toBe(one.boundary);
    expect(two.rows).toEqual(one.rows);
  });
});
