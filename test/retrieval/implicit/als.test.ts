import { afterAll, describe, expect, it } from 'vitest';
import { alsCgRows, createCgScratch, gramMatrix } from '../../../src/retrieval/implicit/als-kernel.js';
import { createSmallRowSolver } from '../../../src/retrieval/implicit/als-small-rows.js';
import { AlsWasmRows, gramRowsWasm } from '../../../src/retrieval/implicit/als-wasm.js';
import { alsCgRowsWasm } from '../../../src/retrieval/implicit/als-wasm-rows.js';
import { choleskyInPlace } from '../../../src/retrieval/implicit/cholesky.js';
import { trainAls } from '../../../src/retrieval/implicit/als.js';
import { buildCsr } from '../../../src/retrieval/implicit/csr.js';
import { solveSymmetricPositive } from '../../../src/retrieval/implicit/fold-in.js';
import { buildUserItemMatrix } from '../../../src/retrieval/implicit/matrix.js';
import { closeWorkers } from '../../../src/retrieval/implicit/parallel.js';
import { clusteredInteractions } from './fixtures.js';

afterAll(closeWorkers);

const matrix = buildUserItemMatrix(clusteredInteractions());

describe('ALS conjugate-gradient half-step', () => {
  it('reaches the exact least-squares solution with f steps', () => {
    // 3 users x 4 items, f = 2, confidences 3 and 5: CG on a 2 x 2 system is exact in 2 steps.
    const m = buildCsr(Int32Array.from([0, 0, 1, 2, 2, 2]), Int32Array.from([0, 2, 1, 0, 1, 3]), Float32Array.from([3, 5, 3, 3, 5, 3]), 3, 4);
    const f = 2;
    const reg = 0.1;
    const y = Float32Array.from([0.5, -0.2, 0.1, 0.9, -0.4, 0.3, 0.7, 0.7]);
    const x = new Float32Array(3 * f);
    const gram = new Float64Array(f * f);
    gramMatrix(y, 4, f, reg, gram);
    alsCgRows(m, x, y, gram, f, f, 0, 3, createCgScratch(f));

    for (let u = 0; u < 3; u++) {
      // Direct solve of (Y^T Y + reg I + sum (c - 1) y y^T) x = sum c y.
      const a = Float64Array.from(gram);
      const b = new Float64Array(f);
      for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
        const i = m.indices[k];
        const c = m.data[k];
        for (let p = 0; p < f; p++) {
          b[p] += c * y[i * f + p];
          for (let q = 0; q < f; q++) a[p * f + q] += (c - 1) * y[i * f + p] * y[i * f + q];
        }
      }
      const exact = solveSymmetricPositive(a, b, f);
      expect(x[u * f]).toBeCloseTo(exact[0], 5);
      expect(x[u * f + 1]).toBeCloseTo(exact[1], 5);
    }
  });

  it('solves short rows exactly by Woodbury', () => {
    // 4 users x 5 items, f = 3: rows of 1, 2 and 3 entries take the exact path with one CG step allowed.
    const m = buildCsr(Int32Array.from([0, 1, 1, 2, 2, 2, 3]), Int32Array.from([4, 0, 3, 1, 2, 4, 0]), Float32Array.from([2, 3, 1.5, 2, 4, 2, 1]), 4, 5);
    const f = 3;
    const y = Float32Array.from([0.5, -0.2, 0.3, 0.1, 0.9, -0.4, -0.4, 0.3, 0.8, 0.7, 0.7, 0.1, 0.2, -0.6, 0.5]);
    const gram = new Float64Array(f * f);
    gramMatrix(y, 5, f, 0.05, gram);
    const factor = Float64Array.from(gram);
    expect(choleskyInPlace(factor, f)).toBe(true);
    const x = new Float32Array(4 * f);
    alsCgRows(m, x, y, gram, f, 1, 0, 4, createCgScratch(f), createSmallRowSolver(factor, 3, 5, f));

    for (let u = 0; u < 4; u++) {
      const a = Float64Array.from(gram);
      const b = new Float64Array(f);
      for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
        const i = m.indices[k];
        const c = m.data[k];
        for (let p = 0; p < f; p++) {
          b[p] += c * y[i * f + p];
          for (let q = 0; q < f; q++) a[p * f + q] += (c - 1) * y[i * f + p] * y[i * f + q];
        }
      }
      const exact = solveSymmetricPositive(a, b, f);
      for (let p = 0; p < f; p++) expect(x[u * f + p]).toBeCloseTo(exact[p], 5);
    }
  });

  it('matches the JavaScript kernel in WebAssembly', () => {
    // Widths 5 and 8: WebAssembly rows are padded with zeros to a multiple of four.
    for (const f of [5, 8]) {
      const users = matrix.rows;
      const items = matrix.cols;
      const confidence = { ...matrix, data: matrix.data.map((v) => 2 * v) };
      const y = Float32Array.from({ length: items * f }, (_, k) => Math.sin(k) * 0.3);
      const start = Float32Array.from({ length: users * f }, (_, k) => Math.cos(k) * 0.01);
      const gram = new Float64Array(f * f);
      gramMatrix(y, items, f, 0.01, gram);
      const js = Float32Array.from(start);
      const wasm = Float32Array.from(start);
      alsCgRows(confidence, js, y, gram, f, 3, 0, users, createCgScratch(f));
      alsCgRowsWasm(confidence, wasm, y, gram, f, 3, 0, users, new AlsWasmRows(), 1, null);
      // Float32 against float64 arithmetic: three CG steps amplify rounding to about 1e-5.
      for (let k = 0; k < js.length; k++) expect(wasm[k]).toBeCloseTo(js[k], 4);
    }
  });

  it('computes the Gram matrix in WebAssembly', () => {
    const f = 6;
    const y = Float32Array.from({ length: 30 * f }, (_, k) => Math.sin(3 * k) * 0.5);
    const expected = new Float64Array(f * f);
    gramMatrix(y, 30, f, 0, expected);
    const out = new Float64Array(2 * f * f);
    gramRowsWasm(new AlsWasmRows(), y, 0, 30, f, out, f * f);
    // Sums run in float32: about 7 significant digits.
    for (let k = 0; k < f * f; k++) expect(out[f * f + k]).toBeCloseTo(expected[k], 5);
    for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) expect(out[f * f + a * f + b]).toBe(out[f * f + b * f + a]);
  });

  it('sets rows without entries to zero', () => {
    const m = buildCsr(Int32Array.from([1]), Int32Array.from([0]), Float32Array.from([2]), 2, 1);
    const x = Float32Array.from([0.3, 0.4]);
    const gram = new Float64Array(1);
    gramMatrix(Float32Array.from([0.5]), 1, 1, 0.01, gram);
    alsCgRows(m, x, Float32Array.from([0.5]), gram, 1, 3, 0, 2, createCgScratch(1));
    expect(x[0]).toBe(0);
    expect(x[1]).not.toBe(0);
  });
});

describe('trainAls', () => {
  it('lowers the training loss every iteration', async () => {
    const result = await trainAls(matrix, { factors: 8, iterations: 8, computeLoss: true, threads: 1, quiet: true });
    expect(result.losses).toHaveLength(8);
    for (let k = 1; k < result.losses.length; k++) expect(result.losses[k]).toBeLessThanOrEqual(result.losses[k - 1] + 1e-9);
    expect(result.losses[7]).toBeLessThan(result.losses[0]);
  });

  it('gives identical factors for one seed', async () => {
    const a = await trainAls(matrix, { factors: 8, iterations: 3, seed: 5, threads: 1, quiet: true });
    const b = await trainAls(matrix, { factors: 8, iterations: 3, seed: 5, threads: 1, quiet: true });
    expect(Buffer.from(a.userFactors.buffer).equals(Buffer.from(b.userFactors.buffer))).toBe(true);
    expect(Buffer.from(a.itemFactors.buffer).equals(Buffer.from(b.itemFactors.buffer))).toBe(true);
  });

  it('gives different factors for another seed', async () => {
    const a = await trainAls(matrix, { factors: 8, iterations: 3, seed: 5, threads: 1, quiet: true });
    const b = await trainAls(matrix, { factors: 8, iterations: 3, seed: 6, threads: 1, quiet: true });
    expect(Buffer.from(a.itemFactors.buffer).equals(Buffer.from(b.itemFactors.buffer))).toBe(false);
  });

  it('gives the same factors on one and two threads', async () => {
    const one = await trainAls(matrix, { factors: 8, iterations: 3, seed: 2, threads: 1, quiet: true });
    const two = await trainAls(matrix, { factors: 8, iterations: 3, seed: 2, threads: 2, quiet: true });
    expect(Array.from(two.userFactors)).toEqual(Array.from(one.userFactors));
    expect(Array.from(two.itemFactors)).toEqual(Array.from(one.itemFactors));
  });

  it('ranks unseen items of the user group first', async () => {
    const { userFactors, itemFactors } = await trainAls(matrix, { factors: 8, iterations: 10, threads: 1, quiet: true });
    const f = 8;
    let inGroupWins = 0;
    let comparisons = 0;
    for (let u = 0; u < matrix.rows; u++) {
      const score = (i: number): number => {
        let s = 0;
        for (let a = 0; a < f; a++) s += userFactors[u * f + a] * itemFactors[i * f + a];
        return s;
      };
      for (let i = 0; i < matrix.cols; i += 2) {
        comparisons++;
        const mine = u % 2 === i % 2 ? i : i + 1;
        const other = u % 2 === i % 2 ? i + 1 : i;
        if (score(mine) > score(other)) inGroupWins++;
      }
    }
    expect(inGroupWins / comparisons).toBeGreaterThan(0.9);
  });

  it('ranks as well without exact short rows', async () => {
    const exact = await trainAls(matrix, { factors: 8, iterations: 10, threads: 1, quiet: true, computeLoss: true });
    const cg = await trainAls(matrix, { factors: 8, iterations: 10, threads: 1, quiet: true, computeLoss: true, exactRowLimit: 0 });
    expect(Math.abs(exact.losses[9] - cg.losses[9])).toBeLessThan(0.05 * cg.losses[9]);
  });

  it('rejects invalid hyperparameters and empty data', async () => {
    await expect(trainAls(matrix, { alpha: 0 })).rejects.toThrow(/alpha must be a finite number > 0, got 0/);
    await expect(trainAls(matrix, { factors: 1.5 })).rejects.toThrow(/factors must be an integer >= 1/);
    await expect(trainAls(matrix, { regularization: -1 })).rejects.toThrow(/regularization/);
    const empty = buildCsr(new Int32Array(0), new Int32Array(0), new Float32Array(0), 2, 2);
    await expect(trainAls(empty)).rejects.toThrow(/at least one interaction/);
  });
});
