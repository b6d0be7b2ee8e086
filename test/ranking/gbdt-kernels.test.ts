import { describe, expect, it } from 'vitest';
import { buildBinnedMatrix } from '../../src/ranking/gbdt/binned-matrix.js';
import { SPLIT_MIN_ROWS } from '../../src/ranking/gbdt/histogram.js';
import { SerialKernels, type HistogramJob, type NodeKernels } from '../../src/ranking/gbdt/kernels.js';
import { createParallelKernels, sharedFloat64, sharedInt32 } from '../../src/ranking/gbdt/parallel-histogram.js';
import type { PartitionJob } from '../../src/ranking/gbdt/partition.js';
import { computeCuts } from '../../src/ranking/gbdt/quantile.js';
import { WasmKernels } from '../../src/ranking/gbdt/wasm-kernels.js';

const ROWS = 3 * SPLIT_MIN_ROWS + 17;
const COLUMNS = 4;

/** Node ranges of `rowIndex[0..sampled)`: one above SPLIT_MIN_ROWS, small ones that pair up, and a tiny one. */
function nodeRanges(sampled: number): [number, number][] {
  const cuts = [0, SPLIT_MIN_ROWS + 300, SPLIT_MIN_ROWS + 2300, SPLIT_MIN_ROWS + 5300, SPLIT_MIN_ROWS + 5400, SPLIT_MIN_ROWS + 8000, sampled];
  return cuts.slice(1).map((end, k) => [cuts[k], end]);
}

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
  const cuts = computeCuts(matrix, ROWS, COLUMNS, 256);
  const bins = buildBinnedMatrix(matrix, ROWS, COLUMNS, cuts, shared);
  const rowIndex = shared ? sharedInt32(ROWS) : new Int32Array(ROWS);
  // Every third row dropped, as row sampling leaves gaps.
  let sampled = 0;
  for (let r = 0; r < ROWS; r++) if (r % 3 !== 1) rowIndex[sampled++] = r;
  return { matrix, cuts, bins, gradPairs, rowIndex, sampled };
}

type Fixture = ReturnType<typeof fixture>;

/** Kernels on the fixture: 1 or 2 JavaScript threads, or 'wasm' for WasmKernels with the fixture copied into its memory. */
async function withKernels<T>(threads: 1 | 2 | 'wasm', run: (kernels: NodeKernels, data: Fixture) => T): Promise<T> {
  let data = fixture(threads === 2);
  let kernels: NodeKernels;
  if (threads === 'wasm') {
    const wasmKernels = WasmKernels.create(data.matrix, ROWS, COLUMNS, data.cuts);
    if (wasmKernels === null) throw new Error('WebAssembly SIMD kernels are unavailable');
    expect(wasmKernels.bins).toEqual(data.bins);
    wasmKernels.gradPairs.set(data.gradPairs);
    wasmKernels.rowIndex.set(data.rowIndex);
    data = { ...data, bins: wasmKernels.bins, gradPairs: wasmKernels.gradPairs, rowIndex: wasmKernels.rowIndex };
    kernels = wasmKernels;
  } else {
    kernels = threads === 2 ? await createParallelKernels(data.bins, data.gradPairs, data.rowIndex) : new SerialKernels(data.bins);
  }
  try {
    return run(kernels, data);
  } finally {
    await kernels.close();
  }
}

function buildAll(kernels: NodeKernels, data: Fixture, ranges: [number, number][]): number[][] {
  const jobs: HistogramJob[] = ranges.map(([begin, end]) => ({ begin, end, hist: new Float64Array(2 * data.bins.totalBins) }));
  kernels.build(data.rowIndex, data.gradPairs, jobs);
  return jobs.map((job) => Array.from(job.hist));
}

describe('GBDT node kernels', () => {
  it('histograms are bit-identical across thread counts', async () => {
    const one = await withKernels(1, (kernels, data) => buildAll(kernels, data, [[0, data.sampled]]));
    const two = await withKernels(2, (kernels, data) => buildAll(kernels, data, [[0, data.sampled]]));
    expect(one[0].some((v) => v !== 0)).toBe(true);
    expect(two).toEqual(one);
  });

  it('level histograms are bit-identical across thread counts', async () => {
    const one = await withKernels(1, (kernels, data) => buildAll(kernels, data, nodeRanges(data.sampled)));
    const two = await withKernels(2, (kernels, data) => buildAll(kernels, data, nodeRanges(data.sampled)));
    expect(one).toHaveLength(6);
    expect(two).toEqual(one);
  });

  it('WebAssembly histograms equal JavaScript ones', async () => {
    const one = await withKernels(1, (kernels, data) => buildAll(kernels, data, nodeRanges(data.sampled)));
    const built: number[] = [];
    const wasmHists = await withKernels('wasm', (kernels, data) => {
      const jobs: HistogramJob[] = nodeRanges(data.sampled).map(([begin, end]) => ({ begin, end, hist: new Float64Array(2 * data.bins.totalBins) }));
      kernels.build(data.rowIndex, data.gradPairs, jobs, (k) => built.push(k));
      return jobs.map((job) => Array.from(job.hist));
    });
    expect(built).toEqual([0, 1, 2, 3, 4, 5]);
    expect(one[0].some((v) => v !== 0)).toBe(true);
    expect(wasmHists).toEqual(one);
  });

  it('WebAssembly gradient sums keep row order', async () => {
    const [sums, expected] = await withKernels('wasm', (kernels, data) => {
      let grad = 0;
      let hess = 0;
      for (let i = 100; i < data.sampled; i++) {
        grad += data.gradPairs[2 * data.rowIndex[i]];
        hess += data.gradPairs[2 * data.rowIndex[i] + 1];
      }
      const out = kernels.sumGradPairs?.(data.rowIndex, data.gradPairs, 100, data.sampled);
      return [out ? Array.from(out) : null, [grad, hess]];
    });
    expect(sums).toEqual(expected);
  });

  it('histogram matches a row-by-row sum', () => {
    const data = fixture(false);
    const [hist] = buildAll(new SerialKernels(data.bins), data, [[0, data.sampled]]);
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
  ])('partition is stable and kernel-independent (%s)', async (_name, feature, leftMaxBin, defaultLeft) => {
    const split = (kernels: NodeKernels, data: Fixture) => {
      const ranges = nodeRanges(data.sampled);
      const jobs: PartitionJob[] = ranges.map(([begin, end], k) => ({ begin, end, feature: k === 1 ? 3 : feature, leftMaxBin: k === 1 ? 0 : leftMaxBin, defaultLeft }));
      const before = Array.from(data.rowIndex.subarray(0, data.sampled));
      const boundaries = kernels.partition(data.rowIndex, jobs);
      return { ranges, boundaries, rows: Array.from(data.rowIndex.subarray(0, data.sampled)), expected: expectedPartition(data, before, jobs) };
    };
    const one = await withKernels(1, split);
    const two = await withKernels(2, split);
    const wasmSplit = await withKernels('wasm', split);
    expect(one.boundaries).toEqual(one.expected.boundaries);
    expect(one.rows).toEqual(one.expected.rows);
    // Some node sends rows each way, so the split is not trivial.
    expect(one.ranges.some(([begin, end], k) => one.boundaries[k] > begin && one.boundaries[k] < end)).toBe(true);
    expect(two.boundaries).toEqual(one.boundaries);
    expect(two.rows).toEqual(one.rows);
    expect(wasmSplit.boundaries).toEqual(one.boundaries);
    expect(wasmSplit.rows).toEqual(one.rows);
  });
});

/** Partitions each job's range with plain arrays, by the bin rule of PartitionJob, as the expected output. */
function expectedPartition(data: Fixture, before: number[], jobs: PartitionJob[]) {
  const rows = [...before];
  const boundaries = jobs.map(({ begin, end, feature, leftMaxBin, defaultLeft }) => {
    const missingBin = data.bins.binStart[feature + 1] - data.bins.binStart[feature] - 1;
    const left: number[] = [];
    const right: number[] = [];
    for (const r of before.slice(begin, end)) {
      const bin = data.bins.columnBins[feature * ROWS + r];
      const goesLeft = bin === missingBin ? defaultLeft : bin <= leftMaxBin;
      (goesLeft ? left : right).push(r);
    }
    rows.splice(begin, end - begin, ...left, ...right);
    return begin + left.length;
  });
  return { rows, boundaries };
}
