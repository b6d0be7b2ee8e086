import { describe, expect, it } from 'vitest';
import { sharedPath } from '../helpers/shared.js';
import { compileForest, predictMargins, type Forest } from '../../src/ranking/forest.js';
import { trainGbdt } from '../../src/ranking/gbdt/train.js';
import { loadXgboostModel } from '../../src/ranking/xgboost-json.js';
import { readPeerTable } from './peer-data.js';

/** Copies the forest without its complete-tree layouts, so prediction takes the node-by-node walk. */
function nodeByNode(forest: Forest): Forest {
  return { ...forest, complete: null, wasm: null };
}

/** Copies the forest without its WebAssembly kernel, so prediction takes the JavaScript complete-tree walk. */
function javascriptComplete(forest: Forest): Forest {
  return { ...forest, wasm: null };
}

/**
 * Predicts with the WebAssembly kernel, the JavaScript complete-tree walk and the node-by-node
 * walk, and returns the rows where either fast walk differs from the node walk in any bit.
 */
function differencesFromNodeWalk(forest: Forest, matrix: Float32Array, rows: number, treeCount?: number): { wasm: number[]; javascript: number[] } {
  const walked = new Float32Array(rows);
  const wasm = new Float32Array(rows);
  const javascript = new Float32Array(rows);
  predictMargins(nodeByNode(forest), matrix, rows, walked, treeCount);
  predictMargins(forest, matrix, rows, wasm, treeCount);
  predictMargins(javascriptComplete(forest), matrix, rows, javascript, treeCount);
  return { wasm: differingRows(wasm, walked), javascript: differingRows(javascript, walked) };
}

/** Indices of the rows whose margins differ in any bit (NaN equal to NaN). */
function differingRows(a: Float32Array, b: Float32Array): number[] {
  const rows: number[] = [];
  for (let r = 0; r < a.length; r++) if (!Object.is(a[r], b[r])) rows.push(r);
  return rows;
}

describe('complete-tree prediction walk', () => {
  const table = readPeerTable('u1_test_features.csv');

  for (const file of ['model.json', 'rank_model.json']) {
    it(`${file} margins equal the node walk`, async () => {
      const forest = compileForest(await loadXgboostModel(sharedPath('peers', file)));
      expect(forest.complete).not.toBeNull();
      expect(forest.wasm).not.toBeNull();

      // Every row of the table at every row count modulo 4, and with a quarter of the values missing.
      const matrix = Float32Array.from(table.matrix, (v, i) => (i % 4 === 1 ? Number.NaN : v));
      for (const source of [table.matrix, matrix]) {
        for (const rows of [table.rows, table.rows - 1, table.rows - 2, table.rows - 3, 0]) {
          expect(differencesFromNodeWalk(forest, source, rows)).toEqual({ wasm: [], javascript: [] });
        }
      }
    });
  }

  it('takes constant columns once per batch', async () => {
    const forest = compileForest(await loadXgboostModel(sharedPath('peers', 'model.json')));
    const width = table.featureNames.length;
    // Batches of one user's candidates: the first half of the columns repeat row 0's values, one of them NaN everywhere.
    for (const rows of [1, 2, 7, 100]) {
      const matrix = table.matrix.slice(0, rows * width);
      for (let r = 1; r < rows; r++) for (let j = 0; j < width / 2; j++) matrix[r * width + j] = matrix[j];
      for (let r = 0; r < rows; r++) matrix[r * width + 3] = Number.NaN;
      expect(differencesFromNodeWalk(forest, matrix, rows)).toEqual({ wasm: [], javascript: [] });
    }
  });

  it('pads trees of different depths', async () => {
    // Depth-4 trees on few rows stop early in places, and gamma makes later trees shallower, so
    // trees of several depths and padded leaves are exercised.
    let state = 7;
    const next = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
    const rows = 300;
    const matrix = Float32Array.from({ length: rows * 3 }, () => (next() < 0.15 ? Number.NaN : Math.floor(next() * 8)));
    const labels = Float32Array.from({ length: rows }, (_, r) => (matrix[3 * r] > 3 ? 1 : 0) + (Number.isNaN(matrix[3 * r + 1]) ? 0.5 : 0) + next());
    const { model } = await trainGbdt(
      { num_boost_round: 30, max_depth: 4, eta: 0.3, min_child_weight: 5, gamma: 0.1, seed: 0 },
      { matrix, rows, featureNames: ['a', 'b', 'c'], labels },
      { progress: false },
    );
    const forest = compileForest(model);
    const depths = Array.from(forest.complete?.depths ?? []);
    expect(Math.max(...depths)).toBe(4);
    expect(new Set(depths).size).toBeGreaterThan(1);
    // Some tree has fewer nodes than a complete tree of its depth, so padding is walked.
    expect(model.trees.some((tree, t) => tree.leftChildren.length < 2 ** (depths[t] + 1) - 1)).toBe(true);

    expect(differencesFromNodeWalk(forest, matrix, rows)).toEqual({ wasm: [], javascript: [] });

    // More rows than one WebAssembly block (4,096), where the first block's column 2 is constant.
    const many = 10_000;
    const large = Float32Array.from({ length: many * 3 }, (_, i) => matrix[i % matrix.length]);
    for (let r = 0; r < 4096; r++) large[3 * r + 2] = 5;
    expect(differencesFromNodeWalk(forest, large, many)).toEqual({ wasm: [], javascript: [] });

    // The first trees alone, as `treeCount` requests.
    expect(differencesFromNodeWalk(forest, matrix, rows, 5)).toEqual({ wasm: [], javascript: [] });
  });
});
