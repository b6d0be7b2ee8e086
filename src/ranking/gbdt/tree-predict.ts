import type { TreeArrays } from '../model.js';

/** Adds one numeric tree's leaf values to `margins` (float32 sums) for a row-major matrix. */
export function addTreeToMargins(tree: TreeArrays, matrix: Float32Array, rows: number, columns: number, margins: Float32Array): void {
  const { leftChildren, rightChildren, splitIndices, splitConditions, defaultLeft } = tree;
  for (let r = 0; r < rows; r++) {
    const base = r * columns;
    let node = 0;
    while (leftChildren[node] !== -1) {
      const v = matrix[base + splitIndices[node]];
      if (v !== v) node = defaultLeft[node] === 1 ? leftChildren[node] : rightChildren[node];
      else node = v < splitConditions[node] ? leftChildren[node] : rightChildren[node];
    }
    margins[r] = Math.fround(margins[r] + splitConditions[node]);
  }
}
