import { loadavg } from 'node:os';
import { identityTieRank, selectTopK } from '../src/eval/top-k.js';

/**
 * Top-K selection of the full-ranking evaluation against the obvious baseline, sorting every
 * item index by score, on MovieLens-sized (1,650 items) and Amazon-sized (100,000 items) score
 * vectors with K = 100. Figures are users per second and the speed-up over the sort.
 */
export default async function run(): Promise<void> {
  console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on a shared machine`);
  for (const items of [1_650, 100_000]) {
    const users = items < 10_000 ? 2_000 : 50;
    const scores = randomScores(users, items);
    const tieRank = identityTieRank(items);
    const out = new Int32Array(100);
    const row = new Float32Array(items);

    const heapSeconds = time(() => {
      for (let u = 0; u < users; u++) {
        row.set(scores.subarray(u * items, (u + 1) * items));
        selectTopK(row, 100, tieRank, out);
      }
    });
    const sortSeconds = time(() => {
      for (let u = 0; u < users; u++) {
        row.set(scores.subarray(u * items, (u + 1) * items));
        const order = Array.from({ length: items }, (_, i) => i);
        order.sort((a, b) => row[b] - row[a] || a - b);
        out.set(order.slice(0, 100));
      }
    });
    console.log(
      `top-100 of ${items} items: heap ${(users / heapSeconds).toFixed(0)} users/s, full sort ${(users / sortSeconds).toFixed(0)} users/s, ` +
        `speed-up ${(sortSeconds / heapSeconds).toFixed(1)}x`,
    );
  }
}

function randomScores(users: number, items: number): Float32Array {
  const scores = new Float32Array(users * items);
  let state = 42;
  for (let i = 0; i < scores.length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    // Rounded to 1/100 so ties occur, as with popularity counts.
    scores[i] = Math.floor((state / 2 ** 31) * 100) / 100;
  }
  return scores;
}

function time(work: () => void): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}
