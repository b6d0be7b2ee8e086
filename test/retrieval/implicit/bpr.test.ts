import { afterAll, describe, expect, it } from 'vitest';
import { bprStratum } from '../../../src/retrieval/implicit/bpr-kernel.js';
import { BprWasm } from '../../../src/retrieval/implicit/bpr-wasm.js';
import { trainBpr } from '../../../src/retrieval/implicit/bpr.js';
import { buildUserItemMatrix } from '../../../src/retrieval/implicit/matrix.js';
import { closeWorkers } from '../../../src/retrieval/implicit/parallel.js';
import { clusteredInteractions } from './fixtures.js';

afterAll(closeWorkers);

const matrix = buildUserItemMatrix(clusteredInteractions());
const base = { factors: 8, iterations: 30, learningRate: 0.05, quiet: true } as const;

describe('BPR stratum', () => {
  it('matches the JavaScript kernel in WebAssembly', () => {
    // Every stored pair is a positive and a candidate negative. Rows of f + 1 = 7 values are
    // padded to 8 in WebAssembly.
    const width = 7;
    const nnz = matrix.indptr[matrix.rows];
    const positivesUser = new Int32Array(nnz);
    for (let u = 0; u < matrix.rows; u++) positivesUser.fill(u, matrix.indptr[u], matrix.indptr[u + 1]);
    const start = (rows: number, bias: boolean): Float32Array =>
      Float32Array.from({ length: rows * width }, (_, k) => (bias && k % width === width - 1 ? 1 : Math.sin(3 * k) * 0.1));
    const runs = [null, new BprWasm()].map((engine) => {
      const context = {
        id: 1,
        indptr: matrix.indptr,
        indices: matrix.indices,
        positivesUser,
        positivesItem: matrix.indices,
        negatives: matrix.indices,
        userFactors: start(matrix.rows, true),
        itemFactors: start(matrix.cols, false),
      };
      const task = { op: 'bpr-stratum', context, positivesStart: 0, positivesEnd: nnz, negativesStart: 0, negativesEnd: nnz, width, learningRate: 0.05, regularization: 0.01, seed: 7, stream: 3 } as const;
      return { counts: bprStratum(task, engine), context };
    });
    const [js, wasm] = runs;
    expect(wasm.counts.skipped).toBe(js.counts.skipped);
    expect(js.counts.skipped).toBeGreaterThan(0);
    expect(Math.abs(wasm.counts.correct - js.counts.correct)).toBeLessThanOrEqual(2);
    // Float32 against float64 arithmetic on the same samples.
    for (let k = 0; k < js.context.userFactors.length; k++) expect(wasm.context.userFactors[k]).toBeCloseTo(js.context.userFactors[k], 4);
    for (let k = 0; k < js.context.itemFactors.length; k++) expect(wasm.context.itemFactors[k]).toBeCloseTo(js.context.itemFactors[k], 4);
    for (let u = 0; u < matrix.rows; u++) expect(wasm.context.userFactors[u * width + width - 1]).toBe(1);
  });
});

describe('trainBpr', () => {
  it('gives identical factors for one seed', async () => {
    const a = await trainBpr(matrix, { ...base, seed: 3, threads: 1 });
    const b = await trainBpr(matrix, { ...base, seed: 3, threads: 1 });
    expect(Buffer.from(a.userFactors.buffer).equals(Buffer.from(b.userFactors.buffer))).toBe(true);
    expect(Buffer.from(a.itemFactors.buffer).equals(Buffer.from(b.itemFactors.buffer))).toBe(true);
  });

  it('gives different factors for another seed', async () => {
    const a = await trainBpr(matrix, { ...base, seed: 3, threads: 1 });
    const b = await trainBpr(matrix, { ...base, seed: 4, threads: 1 });
    expect(Buffer.from(a.itemFactors.buffer).equals(Buffer.from(b.itemFactors.buffer))).toBe(false);
  });

  it('gives the same factors on one and two threads', async () => {
    const one = await trainBpr(matrix, { ...base, seed: 1, blocks: 2, threads: 1 });
    const two = await trainBpr(matrix, { ...base, seed: 1, blocks: 2, threads: 2 });
    expect(Array.from(two.userFactors)).toEqual(Array.from(one.userFactors));
    expect(Array.from(two.itemFactors)).toEqual(Array.from(one.itemFactors));
  });

  it('raises training AUC and ranks the user group first', async () => {
    const result = await trainBpr(matrix, { ...base, threads: 1 });
    expect(result.trainAuc[result.trainAuc.length - 1]).toBeGreaterThan(result.trainAuc[0]);
    expect(result.trainAuc[result.trainAuc.length - 1]).toBeGreaterThan(0.8);

    const width = result.width;
    let wins = 0;
    let comparisons = 0;
    for (let u = 0; u < matrix.rows; u++) {
      const score = (i: number): number => {
        let s = 0;
        for (let a = 0; a < width; a++) s += result.userFactors[u * width + a] * result.itemFactors[i * width + a];
        return s;
      };
      for (let i = 0; i < matrix.cols; i += 2) {
        const mine = u % 2 === i % 2 ? i : i + 1;
        const other = u % 2 === i % 2 ? i + 1 : i;
        comparisons++;
        if (score(mine) > score(other)) wins++;
      }
    }
    expect(wins / comparisons).toBeGreaterThan(0.85);
  });

  it('fixes the user bias column at 1', async () => {
    const result = await trainBpr(matrix, { ...base, iterations: 2, threads: 1 });
    for (let u = 0; u < matrix.rows; u++) expect(result.userFactors[u * result.width + result.width - 1]).toBe(1);
  });

  it('rejects invalid hyperparameters', async () => {
    await expect(trainBpr(matrix, { blocks: 0 })).rejects.toThrow(/blocks must be an integer >= 1, got 0/);
    await expect(trainBpr(matrix, { learningRate: Number.NaN })).rejects.toThrow(/learningRate must be a finite number >= 0/);
  });
});
