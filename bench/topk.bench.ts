import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approximateTopK, recallAtK } from '../src/retrieval/top-k/approximate.js';
import { exactTopK, type TopKResult } from '../src/retrieval/top-k/exact.js';
import { buildExclusions } from '../src/retrieval/top-k/exclusions.js';
import { tieRanks } from '../src/retrieval/top-k/select.js';
import type { InnerProductScorer } from '../src/retrieval/top-k/types.js';
import { trainSvd } from '../src/retrieval/svd/trainer.js';
import { buildTrainset, ratingRowsFromTriples } from '../src/retrieval/svd/trainset.js';

/**
 * All-user top-100 with exclusion of rated items.
 * 1. MovieLens 100k u1.base, SVD with 100 factors (score = estimate, width 101 with the bias
 *    column): exact search on 2 threads against numpy matmul + argpartition + sort of the top 100
 *    (`/usr/bin/python3`, Debian's python3-numpy with its BLAS), same matrices, same run.
 * 2. Synthetic 50,000 users × 20,000 items × 64 factors, 20 excluded items per user: time and
 *    peak memory of exact search, then usearch HNSW recall@100 and time on the first 5,000 users.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = process.env.TWOSTAGE_SHARED_DIR ? path.join(process.env.TWOSTAGE_SHARED_DIR, 'data/ml-100k') : path.resolve(here, '../../../shared/data/ml-100k');
const PASSES = 5;
const K = 100;

const NUMPY_SCRIPT = `
import sys, time, numpy as np
d = sys.argv[1]
n_users, n_items, width, k, passes = (int(x) for x in sys.argv[2:7])
U = np.fromfile(d + '/u.bin', dtype='<f8').reshape(n_users, width)
V = np.fromfile(d + '/v.bin', dtype='<f8').reshape(n_items, width)
rows = np.fromfile(d + '/rows.bin', dtype='<i4')
cols = np.fromfile(d + '/cols.bin', dtype='<i4')
best = float('inf')
best_cpu = float('inf')
for _ in range(passes):
    t = time.perf_counter()
    c = time.process_time()
    S = U @ V.T
    S[rows, cols] = -np.inf
    top = np.argpartition(-S, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(S, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind='stable')
    top = np.take_along_axis(top, order, axis=1)
    best = min(best, time.perf_counter() - t)
    best_cpu = min(best_cpu, time.process_time() - c)
print(best * 1000, best_cpu * 1000)
`;

function hasNumpy(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}

function movieLensScorer() {
  const fields = readFileSync(path.join(dataDir, 'u1.base'), 'utf8')
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split('\t'));
  const rows = ratingRowsFromTriples(
    fields.map((f) => f[0]),
    fields.map((f) => f[1]),
    fields.map((f) => Number(f[2])),
  );
  const trainset = buildTrainset(rows, [1, 5]);
  const { model } = trainSvd(trainset, { hyperparameters: { n_factors: 100 }, progress: false });
  return { model, scorer: model.innerProductScorer(), exclusions: buildExclusions(trainset.userIds.length, trainset.ratings.user, trainset.ratings.item) };
}

/** Best wall and best CPU milliseconds (all threads of the process) over `passes` runs. */
async function bestOf(passes: number, run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  let wall = Infinity;
  let cpu = Infinity;
  for (let p = 0; p < passes; p++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpuBefore);
    wall = Math.min(wall, performance.now() - started);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

function numpyMilliseconds(scorer: InnerProductScorer, rows: Int32Array, cols: Int32Array): { wall: number; cpu: number } | null {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-topk-bench-'));
  try {
    writeFileSync(path.join(dir, 'u.bin'), new Uint8Array(Float64Array.from(scorer.userFactors).buffer));
    writeFileSync(path.join(dir, 'v.bin'), new Uint8Array(Float64Array.from(scorer.itemFactors).buffer));
    writeFileSync(path.join(dir, 'rows.bin'), new Uint8Array(rows.buffer));
    writeFileSync(path.join(dir, 'cols.bin'), new Uint8Array(cols.buffer));
    const run = spawnSync('/usr/bin/python3', ['-c', NUMPY_SCRIPT, dir, String(scorer.nUsers), String(scorer.nItems), String(scorer.width), String(K), String(PASSES)], { encoding: 'utf8' });
    if (run.status !== 0) {
      console.log(`numpy run failed: ${run.stderr.trim()}`);
      return null;
    }
    const [wall, cpu] = run.stdout.trim().split(/\s+/).map(Number);
    return { wall, cpu };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function movieLens(): Promise<void> {
  const { model, scorer, exclusions } = movieLensScorer();
  const tieRank = tieRanks(model.itemIds);
  const options = { k: K, tieRank, exclusions };
  await exactTopK(scorer, { ...options, threads: 2 }); // starts the worker and warms up the JIT
  const ours = await bestOf(PASSES, () => exactTopK(scorer, options));
  const two = await bestOf(PASSES, () => exactTopK(scorer, { ...options, threads: 2 }));
  console.log(
    `MovieLens u1 (${scorer.nUsers} users × ${scorer.nItems} items × ${scorer.width}): exact top-${K} ${ours.wall.toFixed(1)} ms wall / ${ours.cpu.toFixed(1)} ms CPU ` +
      `with the default threads (1 at this size), ${two.wall.toFixed(1)} ms wall / ${two.cpu.toFixed(1)} ms CPU on 2 (best of ${PASSES})`,
  );

  if (!hasNumpy()) {
    console.log('numpy comparison skipped: /usr/bin/python3 with numpy is not available (apt-get install python3-numpy)');
    return;
  }
  const rows: number[] = [];
  for (let u = 0; u < scorer.nUsers; u++) for (let p = exclusions.offsets[u]; p < exclusions.offsets[u + 1]; p++) rows.push(u);
  const numpy = numpyMilliseconds(scorer, Int32Array.from(rows), exclusions.items);
  if (numpy !== null) {
    console.log(
      `numpy matmul + argpartition + sort: ${numpy.wall.toFixed(1)} ms wall / ${numpy.cpu.toFixed(1)} ms CPU (best of ${PASSES}); ` +
        `twostage ÷ numpy: wall ${(ours.wall / numpy.wall).toFixed(2)}, CPU ${(ours.cpu / numpy.cpu).toFixed(2)} (target ≤ 1 in wall time)`,
    );
  }
}

/** Deterministic uniform values in [-0.5, 0.5) (Park–Miller), for the synthetic factors. */
function synthetic(length: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length }, () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647 - 0.5;
  });
}

async function syntheticCase(): Promise<void> {
  const nUsers = 50_000;
  const nItems = 20_000;
  const width = 64;
  const scorer: InnerProductScorer = { userFactors: synthetic(nUsers * width, 1), itemFactors: synthetic(nItems * width, 2), width, nUsers, nItems };
  const seen = 20;
  const user = Int32Array.from({ length: nUsers * seen }, (_, j) => Math.floor(j / seen));
  const item = Int32Array.from({ length: nUsers * seen }, (_, j) => (j * 7919) % nItems);
  const exclusions = buildExclusions(nUsers, user, item);
  const tieRank = Int32Array.from({ length: nItems }, (_, i) => i);

  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const exact = await exactTopK(scorer, { k: K, tieRank, exclusions, threads: 2 });
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const inputs = (scorer.userFactors.byteLength + scorer.itemFactors.byteLength) / 2 ** 20;
  console.log(
    `synthetic ${nUsers} × ${nItems} × ${width}: exact top-${K} in ${seconds.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU on 2 threads; ` +
      `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB, ${((peak - rssBefore) / 2 ** 20).toFixed(0)} MiB above the ${inputs.toFixed(0)} MiB of inputs already loaded ` +
      `(a users × items float64 matrix would be ${((nUsers * nItems * 8) / 2 ** 30).toFixed(1)} GiB)`,
  );

  const subset = 5_000;
  const subsetScorer: InnerProductScorer = { ...scorer, nUsers: subset, userFactors: scorer.userFactors.subarray(0, subset * width) };
  const subsetExclusions = { offsets: exclusions.offsets.subarray(0, subset + 1), items: exclusions.items };
  const approxStarted = performance.now();
  const approximate = await approximateTopK(subsetScorer, { k: K, tieRank, exclusions: subsetExclusions });
  const approxSeconds = (performance.now() - approxStarted) / 1000;
  const exactSubset: TopKResult = { k: exact.k, counts: exact.counts.subarray(0, subset), items: exact.items, scores: exact.scores };
  console.log(
    `usearch HNSW (connectivity 32, expansion 128/256) on the first ${subset} users: recall@${K} ${recallAtK(exactSubset, approximate).toFixed(4)}, ` +
      `${approxSeconds.toFixed(1)} s including the index build; exact search for the same users takes about ${((seconds * subset) / nUsers).toFixed(1)} s`,
  );
}

export default async function topKBenchmark(): Promise<void> {
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await movieLens();
  if (process.env.TWOSTAGE_BENCH_QUICK) {
    console.log('synthetic case skipped (TWOSTAGE_BENCH_QUICK is set)');
  } else {
    await syntheticCase();
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
