import { getLogger } from '../log.js';
import { startProgress } from '../progress.js';
import type { Candidate, CandidateList, CandidateStore } from '../store/types.js';
import { exactTopK, type TopKResult } from './top-k/exact.js';
import { buildExclusions, type ExclusionLists } from './top-k/exclusions.js';
import { tieRanks } from './top-k/select.js';
import type { InnerProductScorer } from './top-k/types.js';
import type { RetrievalModel } from './types.js';

/**
 * Candidate precompute: the exact top-`count` unseen items of every user the model has a row for,
 * written to the candidate store under a new version.
 *
 * - Exclusion uses every interaction of the user in the dataset, including those without a
 *   valid rating (a review rated 0.0 still means the user has seen the item).
 * - Scores are the model's unclipped retrieval scores, for SVD the full estimate
 *   μ + b_u + b_i + q_i·p_u. The order is score descending, then item id ascending.
 * - Users without a model row (no valid rating in training) get no stored list, so serving
 *   applies its unknown-user fallback to them, visibly.
 * - The version becomes readable only after all lists are written and `commit` succeeds; it is
 *   activated only when `activate` is true. Until then readers see the previous version. On any
 *   failure the partial version is aborted.
 */

/** A retrieval model whose scores are an inner product (SVD, ALS, BPR). */
export interface InnerProductModel extends RetrievalModel {
  innerProductScorer(): InnerProductScorer;
}

/** The interactions used for exclusion: raw ids per dense index, and one (user, item) pair per interaction. */
export interface InteractionPairs {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly user: Int32Array;
  readonly item: Int32Array;
}

export interface PrecomputeOptions {
  /** Candidate store version to write; must not exist yet. */
  readonly version: string;
  /** Candidates kept per user (CANDIDATE_COUNT). */
  readonly count: number;
  /** Make the version active once committed (default true). */
  readonly activate?: boolean;
  /** Lists per store write (default 1,000). */
  readonly batchSize?: number;
  readonly threads?: number;
  readonly progress?: boolean;
}

export interface PrecomputeSummary {
  readonly version: string;
  readonly users: number;
  readonly candidates: number;
  /** Users whose list is shorter than `count` because they have seen almost the whole catalog. */
  readonly shortLists: number;
  readonly activated: boolean;
  readonly seconds: number;
}

/** Maps every dataset interaction onto the model's user and item indices and builds exclusion lists. */
export function exclusionsForModel(model: RetrievalModel, interactions: InteractionPairs): ExclusionLists {
  const userMap = Int32Array.from(interactions.userIds, (id) => model.userIndex(id));
  const itemMap = Int32Array.from(interactions.itemIds, (id) => model.itemIndex(id));
  const user = new Int32Array(interactions.user.length);
  const item = new Int32Array(interactions.item.length);
  for (let j = 0; j < user.length; j++) {
    user[j] = userMap[interactions.user[j]];
    item[j] = itemMap[interactions.item[j]];
  }
  return buildExclusions(model.userIds.length, user, item);
}

/** Computes every known user's top candidates with exclusion; see the module notes. */
export async function computeCandidates(model: InnerProductModel, interactions: InteractionPairs, count: number, threads?: number): Promise<TopKResult> {
  const scorer = model.innerProductScorer();
  return exactTopK(scorer, { k: count, tieRank: tieRanks(model.itemIds), exclusions: exclusionsForModel(model, interactions), threads });
}

/** Returns one user's candidates from a top-K result as store entries, best first. */
export function candidateListOf(model: RetrievalModel, result: TopKResult, u: number): CandidateList {
  const items: Candidate[] = [];
  for (let p = 0; p < result.counts[u]; p++) {
    items.push({ itemId: model.itemIds[result.items[u * result.k + p]], score: result.scores[u * result.k + p] });
  }
  return { userId: model.userIds[u], items };
}

/** Computes and stores every known user's candidates under `options.version`; see the module notes. */
export async function precomputeCandidates(
  store: CandidateStore,
  model: InnerProductModel,
  interactions: InteractionPairs,
  options: PrecomputeOptions,
): Promise<PrecomputeSummary> {
  const started = performance.now();
  const result = await computeCandidates(model, interactions, options.count, options.threads);
  const nUsers = model.userIds.length;
  const batchSize = options.batchSize ?? 1000;
  const progress = options.progress === false ? null : startProgress({ label: 'write candidates', total: nUsers, unit: 'users' });

  const writer = await store.beginVersion(options.version);
  let candidates = 0;
  let shortLists = 0;
  try {
    for (let start = 0; start < nUsers; start += batchSize) {
      const batch: CandidateList[] = [];
      for (let u = start; u < Math.min(nUsers, start + batchSize); u++) {
        batch.push(candidateListOf(model, result, u));
        candidates += result.counts[u];
        if (result.counts[u] < options.count) shortLists++;
      }
      await writer.write(batch);
      progress?.update(Math.min(nUsers, start + batchSize));
    }
    await writer.commit();
  } catch (error) {
    await writer.abort().catch((abortError: unknown) => {
      getLogger().error({ version: options.version, err: abortError }, 'failed to abort candidate version');
    });
    throw error;
  }
  const activate = options.activate ?? true;
  if (activate) await store.activate(options.version);
  progress?.finish({ version: options.version, candidates });
  return { version: options.version, users: nUsers, candidates, shortLists, activated: activate, seconds: (performance.now() - started) / 1000 };
}
