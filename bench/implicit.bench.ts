import { createReadStream, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { splitCsvRecord } from '../src/data/csv.js';
import type { Interactions } from '../src/data/types.js';
import { predefinedSplit } from '../src/eval/fold-files.js';
import { evaluateFullRanking, groupDistinctItemsByUser, tieRankByItemId, type IndexLists } from '../src/eval/metrics.js';
import { temporalSplit } from '../src/eval/splits.js';
import type { TrainTestSplit } from '../src/eval/split-types.js';
import { DEFAULT_RETRIEVAL_SOURCES, parseRetrievalSources } from '../src/config/retrieval-sources.js';
import { alsCgRows, createCgScratch, gramMatrix } from '../src/retrieval/implicit/als-kernel.js';
import { transposeCsr } from '../src/retrieval/implicit/csr.js';
import { buildUserItemMatrix } from '../src/retrieval/implicit/matrix.js';
import { closeWorkers } from '../src/retrieval/implicit/parallel.js';
import { createRng } from '../src/retrieval/implicit/rng.js';
import { historyScoringFor } from '../src/retrieval/implicit/history-scoring.js';
import { trainAlsModel, trainBprModel, trainCooccurrenceModel, trainPopularityModel, trainRecentPopularityModel } from '../src/retrieval/implicit/train.js';
import { sourceQuotas } from '../src/retrieval/merge.js';
import { MergedRetriever, type MergeSource } from '../src/retrieval/merge-retriever.js';
import { itemIdTieRank, topKIndices } from '../src/retrieval/merge-top.js';
import type { RetrievalModel } from '../src/retrieval/types.js';

/**
 * Top-K quality and speed of the implicit-feedback sources and of the merged candidates, under the
 * full-ranking protocol (every training item ranked, the user's training items excluded, ties by
 * item id, relevant = distinct held-out items not trained on). Datasets: MovieLens 100k u1
 * (every test rating relevant), UCI Online Retail (customer lines, no cancellations, quantity > 0,
 * every stock code, global temporal split at the 80th percentile of invoice time over those
 * lines) and Amazon Subscription_Boxes (reviews, global temporal 80/20 split), warm and cold
 * users apart. The reference figures are `implicit` 0.7.2 on the same splits (2 cores); the ALS
 * fit time is printed as a ratio to implicit's 0.18 s and to one iteration of the plain-JavaScript
 * ALS kernel timed in the same run.
 */

const SHARED = process.env.TWOSTAGE_SHARED_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
const CANDIDATES = 100;
const IMPLICIT_ALS_FIT_SECONDS = 0.18;
/** implicit 0.7.2 BPR, 64 factors, 100 iterations, 1 thread, on u1.base (idle machine). */
const IMPLICIT_BPR_FIT_SECONDS = 1.28;

interface Row {
  name: string;
  users: number;
  recall10: number;
  ndcg10: number;
  recall100: number;
  trainSeconds: number;
  precomputeSeconds: number;
}

interface Evaluation {
  split: TrainTestSplit;
  trainItems: IndexLists;
  testItems: IndexLists;
  tieRank: Int32Array;
}

export default async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start`);

  const movielens = await predefinedSplit(path.join(SHARED, 'data/ml-100k/u1.base'), path.join(SHARED, 'data/ml-100k/u1.test'));
  await alsFitTimes(movielens);
  await bprFitTimes(movielens);
  await report('MovieLens 100k u1', movielens, { alsRegularization: 0.01, merges: ['als:50,cooccurrence:30,bpr:20', DEFAULT_RETRIEVAL_SOURCES] }, null);

  const retail = temporalSplit(await readOnlineRetail(path.join(SHARED, 'data/uci-online-retail/online_retail.csv.gz')), { quantile: 0.8 });
  await report('UCI Online Retail, temporal 80/20', retail, { alsRegularization: 0.1, merges: ['als:50,cooccurrence:30,popularity_recent:20', DEFAULT_RETRIEVAL_SOURCES] }, 'segments');

  const boxes = temporalSplit(readAmazonReviews(path.join(SHARED, 'data/amazon-subscription-boxes/Subscription_Boxes.jsonl')), { quantile: 0.8 });
  await report('Amazon Subscription_Boxes, temporal 80/20', boxes, { alsRegularization: 0.1, merges: ['als:40,cooccurrence:40,popularity_recent:20', DEFAULT_RETRIEVAL_SOURCES] }, 'segments');

  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at end`);
  await closeWorkers();
}

/**
 * Prints the ALS fit time on one and on every core: the first fit of the process (worker
 * start-up and WebAssembly compilation included) and the best of three after it. Wall and CPU
 * time of the process are printed as ratios to implicit's recorded fit and to one iteration of
 * the plain-JavaScript kernel measured in this run, so a slow, loaded machine shows in both.
 */
async function alsFitTimes(split: TrainTestSplit): Promise<void> {
  const options = { factors: 64, regularization: 0.01, alpha: 2, iterations: 15, quiet: true };
  const reference = jsReferenceIteration(split.train, options);
  const fit = async (threads: number): Promise<{ wall: number; cpu: number }> => {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    await trainAlsModel(split.train, { ...options, threads });
    const used = process.cpuUsage(cpuStarted);
    return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
  const all = cpus().length;
  // The first fit on every core starts the workers, as a fresh process would.
  await closeWorkers();
  const first = await fit(all);
  const best: Record<number, { wall: number; cpu: number }> = {};
  for (const threads of [1, all]) {
    best[threads] = { wall: Infinity, cpu: Infinity };
    for (let run = 0; run < 3; run++) {
      const { wall, cpu } = await fit(threads);
      best[threads] = { wall: Math.min(best[threads].wall, wall), cpu: Math.min(best[threads].cpu, cpu) };
    }
  }
  const ratios = (seconds: number): string => `${(seconds / IMPLICIT_ALS_FIT_SECONDS).toFixed(2)}x implicit, ${(seconds / reference.wall).toFixed(2)}x the JS iteration`;
  const cpuRatio = (seconds: number): string => `${(seconds / reference.cpu).toFixed(2)}x the JS iteration`;
  console.log(`\nALS 64 factors, 15 iterations on u1.base (trainAlsModel: matrix, factors and popularity):`);
  console.log(`  same-run baseline, one ALS iteration of the plain-JavaScript float64 kernel on 1 thread, best of 3: ${reference.wall.toFixed(3)} s wall, ${reference.cpu.toFixed(3)} s CPU`);
  console.log(`  first fit of the process on ${all} threads (worker start-up included): ${first.wall.toFixed(3)} s wall (${ratios(first.wall)}), ${first.cpu.toFixed(3)} s CPU (${cpuRatio(first.cpu)})`);
  console.log(`  best of 3 on 1 thread: ${best[1].wall.toFixed(3)} s wall (${ratios(best[1].wall)}), ${best[1].cpu.toFixed(3)} s CPU (${cpuRatio(best[1].cpu)})`);
  console.log(`  best of 3 on ${all} threads: ${best[all].wall.toFixed(3)} s wall (${ratios(best[all].wall)}), ${best[all].cpu.toFixed(3)} s CPU of every thread (${cpuRatio(best[all].cpu)})`);
  console.log(`  implicit 0.7.2: ${IMPLICIT_ALS_FIT_SECONDS} s wall on 2 cores (recorded on an idle machine); speed-up from threads here: ${(best[1].wall / best[all].wall).toFixed(2)}x`);
}

/** Prints the BPR fit time (100 epochs) on one and on every core, best of two, against implicit's recorded 1.28 s on 1 thread. */
async function bprFitTimes(split: TrainTestSplit): Promise<void> {
  const all = cpus().length;
  console.log(`\nBPR 64 factors, 100 epochs on u1.base (trainBprModel), best of 2; implicit 0.7.2: ${IMPLICIT_BPR_FIT_SECONDS} s wall on 1 thread (idle machine):`);
  for (const threads of [1, all]) {
    let best = { wall: Infinity, cpu: Infinity };
    for (let run = 0; run < 2; run++) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      await trainBprModel(split.train, { iterations: 100, threads, quiet: true });
      const used = process.cpuUsage(cpuStarted);
      best = { wall: Math.min(best.wall, (performance.now() - started) / 1000), cpu: Math.min(best.cpu, (used.user + used.system) / 1e6) };
    }
    console.log(`  ${threads} thread${threads === 1 ? '' : 's'}: ${best.wall.toFixed(2)} s wall (${(best.wall / IMPLICIT_BPR_FIT_SECONDS).toFixed(2)}x implicit), ${best.cpu.toFixed(2)} s CPU`);
  }
}

/**
 * Times one ALS iteration (Gram matrix and CG half-step for the users, then for the items) of
 * the plain-JavaScript float64 kernel on one thread, best of three: a baseline that slows down
 * with the machine as the fit does.
 */
function jsReferenceIteration(interactions: Interactions, options: { factors: number; regularization: number; alpha: number }): { wall: number; cpu: number } {
  const f = options.factors;
  const binary = buildUserItemMatrix(interactions);
  const cui = { ...binary, data: binary.data.map((v) => options.alpha * v) };
  const ciu = transposeCsr(cui);
  const rng = createRng(0);
  const userFactors = Float32Array.from({ length: cui.rows * f }, () => rng.nextFloat() * 0.01);
  const itemFactors = Float32Array.from({ length: cui.cols * f }, () => rng.nextFloat() * 0.01);
  const gram = new Float64Array(f * f);
  const scratch = createCgScratch(f);
  let best = { wall: Infinity, cpu: Infinity };
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    gramMatrix(itemFactors, cui.cols, f, options.regularization, gram);
    alsCgRows(cui, userFactors, itemFactors, gram, f, 3, 0, cui.rows, scratch);
    gramMatrix(userFactors, cui.rows, f, options.regularization, gram);
    alsCgRows(ciu, itemFactors, userFactors, gram, f, 3, 0, ciu.rows, scratch);
    const used = process.cpuUsage(cpuStarted);
    best = { wall: Math.min(best.wall, (performance.now() - started) / 1000), cpu: Math.min(best.cpu, (used.user + used.system) / 1e6) };
  }
  return best;
}

async function report(title: string, split: TrainTestSplit, settings: { alsRegularization: number; merges: readonly string[] }, segments: 'segments' | null): Promise<void> {
  const evaluation = prepare(split);
  const train = split.train;
  console.log(`\n### ${title}`);
  console.log(`${split.description}; ${train.user.length} training interactions, ${train.userIds.length} users, ${train.itemIds.length} items`);

  const timed = async <T>(build: () => Promise<T> | T): Promise<[T, number]> => {
    const started = performance.now();
    const value = await build();
    return [value, (performance.now() - started) / 1000];
  };
  const [als, alsSeconds] = await timed(() => trainAlsModel(train, { regularization: settings.alsRegularization, alpha: 2, iterations: 15, quiet: true }));
  const [bpr, bprSeconds] = await timed(() => trainBprModel(train, { iterations: 100, quiet: true }));
  const [cooccurrence, cooccurrenceSeconds] = await timed(() => trainCooccurrenceModel(train, { neighbours: 20 }));
  const [popularity, popularitySeconds] = await timed(() => trainPopularityModel(train));
  const [recent, recentSeconds] = await timed(() => trainRecentPopularityModel(train, { recentDays: 30 }));
  const sources: Array<[RetrievalModel, number]> = [
    [popularity, popularitySeconds],
    [recent, recentSeconds],
    [als, alsSeconds],
    [bpr, bprSeconds],
    [cooccurrence, cooccurrenceSeconds],
  ];

  const groups = segments === null ? [['all', null]] : [['warm', true], ['cold', false]];
  for (const [group, warm] of groups as Array<[string, boolean | null]>) {
    const rows: Row[] = [];
    for (const [model, seconds] of sources) rows.push(evaluateSource(model, seconds, evaluation, warm));
    for (const merge of settings.merges) {
      const quotas = sourceQuotas(parseRetrievalSources(merge), CANDIDATES);
      const byKind = new Map(sources.map(([model]) => [model.kind, model]));
      const mergeSources: MergeSource[] = quotas.map((q) => {
        const model = byKind.get(q.source);
        if (model === undefined) throw new Error(`no model for source ${q.source}`);
        return { model, history: historyScoringFor(model), quota: q.quota };
      });
      const trainSeconds = quotas.reduce((sum, q) => sum + (sources.find(([m]) => m.kind === q.source)?.[1] ?? 0), 0);
      rows.push(evaluateMerge(`merged ${merge}`, new MergedRetriever(mergeSources, CANDIDATES), trainSeconds, evaluation, warm));
    }
    printTable(segments === null ? '' : `${group} users (${warm ? 'with' : 'without'} training history)`, rows);
  }
}

export function prepare(split: TrainTestSplit): Evaluation {
  const userCount = split.test.userIds.length;
  return {
    split,
    trainItems: groupDistinctItemsByUser(userCount, split.train.user, split.train.item),
    testItems: groupDistinctItemsByUser(userCount, split.test.user, split.test.item),
    tieRank: tieRankByItemId(split.train.itemIds),
  };
}

/** Evaluated users: every test user, or only those with (warm) or without (cold) training history. */
function usersOf(evaluation: Evaluation, warm: boolean | null): Int32Array {
  const trained = evaluation.split.train.userIds.length;
  const users: number[] = [];
  for (let u = 0; u < evaluation.split.test.userIds.length; u++) {
    if (warm === null || warm === u < trained) users.push(u);
  }
  return Int32Array.from(users);
}

function evaluateSource(model: RetrievalModel, trainSeconds: number, evaluation: Evaluation, warm: boolean | null): Row {
  const trained = evaluation.split.train.userIds.length;
  const result = evaluateFullRanking({
    itemCount: evaluation.split.train.itemIds.length,
    users: usersOf(evaluation, warm),
    trainItems: evaluation.trainItems,
    testItems: evaluation.testItems,
    tieRank: evaluation.tieRank,
    cutoffs: [10, 100],
    scoreUser: (u, out) => (u < trained ? model.scoreUser(u, out) : model.scoreUnknownUser(out)),
  });

  // Precompute: the top CANDIDATES of every training user, seen items excluded.
  const scores = new Float32Array(model.itemIds.length);
  const top = new Int32Array(CANDIDATES);
  const excluded = new Uint8Array(model.itemIds.length);
  const tie = itemIdTieRank(model.itemIds);
  const started = performance.now();
  for (let u = 0; u < trained; u++) {
    const { offsets, items } = evaluation.trainItems;
    for (let p = offsets[u]; p < offsets[u + 1]; p++) excluded[items[p]] = 1;
    model.scoreUser(u, scores);
    topKIndices(scores, CANDIDATES, tie, excluded, top);
    for (let p = offsets[u]; p < offsets[u + 1]; p++) excluded[items[p]] = 0;
  }
  const precomputeSeconds = (performance.now() - started) / 1000;
  return row(model.kind, result, trainSeconds, precomputeSeconds);
}

export function evaluateMerge(name: string, retriever: MergedRetriever, trainSeconds: number, evaluation: Evaluation, warm: boolean | null): Row {
  const { split, trainItems } = evaluation;
  const itemIndex = new Map(split.train.itemIds.map((id, i) => [id, i]));
  const seenOf = (u: number): string[] => Array.from(trainItems.items.subarray(trainItems.offsets[u], trainItems.offsets[u + 1])).map((i) => split.train.itemIds[i]);

  const users = usersOf(evaluation, warm);
  const started = performance.now();
  const lists = new Map<number, string[]>();
  for (const u of users) {
    const { candidates } = retriever.retrieve({ userId: split.test.userIds[u], seenItemIds: seenOf(u) });
    lists.set(u, candidates.map((c) => c.itemId));
  }
  const precomputeSeconds = (performance.now() - started) / 1000;

  // The merged list is the ranking: position p scores CANDIDATES - p, items outside it NaN.
  const result = evaluateFullRanking({
    itemCount: split.train.itemIds.length,
    users,
    trainItems,
    testItems: evaluation.testItems,
    tieRank: evaluation.tieRank,
    cutoffs: [10, 100],
    scoreUser: (u, out) => {
      out.fill(NaN);
      const list = lists.get(u) ?? [];
      for (let p = 0; p < list.length; p++) out[itemIndex.get(list[p]) as number] = CANDIDATES - p;
    },
  });
  return row(name, result, trainSeconds, precomputeSeconds);
}

function row(name: string, result: ReturnType<typeof evaluateFullRanking>, trainSeconds: number, precomputeSeconds: number): Row {
  const mean = result.metrics.mean;
  return { name, users: result.metrics.evaluatedCount, recall10: mean['recall@10'], ndcg10: mean['ndcg@10'], recall100: mean['recall@100'], trainSeconds, precomputeSeconds };
}

function printTable(caption: string, rows: readonly Row[]): void {
  if (caption !== '') console.log(`\n${caption}`);
  console.log('\n| source | users | Recall@10 | NDCG@10 | Recall@100 | train s | precompute s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.users} | ${r.recall10.toFixed(3)} | ${r.ndcg10.toFixed(3)} | ${r.recall100.toFixed(3)} | ${r.trainSeconds.toFixed(2)} | ${r.precomputeSeconds.toFixed(2)} |`);
  }
}

/**
 * Reads the Online Retail CSV into interactions: lines with a customer id, an invoice not
 * starting with C and quantity > 0, every stock code kept, one entry per line (repeat purchases
 * included, so the 80th percentile is taken over lines). InvoiceDate is read as UTC; only the
 * order of times matters here.
 */
export async function readOnlineRetail(file: string): Promise<Interactions> {
  const rows = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const users: string[] = [];
  const items: string[] = [];
  const times: number[] = [];
  let header = true;
  for await (const line of rows) {
    if (header) {
      header = false;
      continue;
    }
    const fields = splitCsvRecord(line, ',');
    if (fields === null || fields.length < 8) continue;
    const [invoice, stockCode, , quantity, invoiceDate, , customer] = fields;
    if (customer.trim() === '' || invoice.startsWith('C') || !(Number(quantity) > 0)) continue;
    users.push(customer.trim());
    items.push(stockCode.trim());
    times.push(Date.parse(`${invoiceDate.replace(' ', 'T')}Z`));
  }
  return interactionsOf(users, items, times);
}

/** Reads Amazon 2023 reviews (user_id, parent_asin, timestamp ms); repeated pairs keep the earliest. */
function readAmazonReviews(file: string): Interactions {
  const earliest = new Map<string, { user: string; item: string; time: number }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const review = JSON.parse(line) as { user_id: string; parent_asin: string; timestamp: number };
    const key = `${review.user_id}\u0000${review.parent_asin}`;
    const seen = earliest.get(key);
    if (seen === undefined || review.timestamp < seen.time) earliest.set(key, { user: review.user_id, item: review.parent_asin, time: review.timestamp });
  }
  const entries = [...earliest.values()];
  return interactionsOf(
    entries.map((e) => e.user),
    entries.map((e) => e.item),
    entries.map((e) => e.time),
  );
}

function interactionsOf(users: readonly string[], items: readonly string[], times: readonly number[]): Interactions {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const user = new Int32Array(users.length);
  const item = new Int32Array(items.length);
  for (let j = 0; j < users.length; j++) {
    if (!userIndex.has(users[j])) userIndex.set(users[j], userIndex.size);
    if (!itemIndex.has(items[j])) itemIndex.set(items[j], itemIndex.size);
    user[j] = userIndex.get(users[j]) as number;
    item[j] = itemIndex.get(items[j]) as number;
  }
  return {
    userIds: [...userIndex.keys()],
    itemIds: [...itemIndex.keys()],
    user,
    item,
    rating: new Float64Array(users.length).fill(NaN),
    weight: new Float32Array(users.length).fill(1),
    timestamp: Float64Array.from(times),
  };
}
