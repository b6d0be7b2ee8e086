import { TwostageError } from '../errors.js';
import { PAIR_FEATURES, pairFeatureColumnsForItems } from '../features/pair.js';
import type { Logger } from '../log.js';
import type { Candidate, CandidateStore } from '../store/types.js';
import type { FeatureReader } from './feature-reader.js';
import { compareRanked } from './order.js';
import { withTimeout } from './timeout.js';
import type { FallbackReason, LoadedModels, LoadedRetrieval, RecommendationResponse, ServedPath } from './types.js';

export interface RecommendDeps {
  readonly candidates: CandidateStore;
  readonly features: FeatureReader;
  /** Models to respond with, read once per request so a reload never mixes two versions. */
  readonly models: () => LoadedModels;
  /** Timeout of one store call, ms. */
  readonly storeTimeoutMs: number;
  /** Candidates retrieved on the fly for a known user without precomputed ones. */
  readonly candidateCount: number;
  readonly log: Logger;
  readonly now?: () => number;
}

interface CandidateLookup {
  readonly path: ServedPath;
  readonly candidates: readonly Candidate[];
  readonly reason: FallbackReason | null;
  /** History already read (on-the-fly path), so it is not read twice. */
  readonly history?: ReadonlySet<string>;
}

/**
 * Computes the response to one request with the two stages: candidates (precomputed, else retrieved on the fly for
 * a user the model knows, else the non-personalized list), online features, the ranker, history
 * removed, then the final order and `topK`. Store failures and timeouts degrade to a flagged
 * response instead of an error; only a missing retrieval model is an error (503).
 */
export async function recommend(deps: RecommendDeps, userId: string, topK: number): Promise<RecommendationResponse> {
  const models = deps.models();
  const retrieval = models.retrieval;
  if (!retrieval) {
    throw new TwostageError('REC_ERR_NO_PRODUCTION_MODEL', 'no retrieval model is loaded; run `twostage pipeline` or promote a retrieval version, then retry');
  }
  const versions = { retrieval: retrieval.version, ranker: models.ranker?.version ?? null, candidates: retrieval.candidateVersion };

  const lookup = await findCandidates(deps, retrieval, userId);
  if (lookup.path === 'non_personalized') {
    const items = retrieval.fallback.slice(0, topK).map((c) => ({ parent_asin: c.itemId, predicted_rating: c.score }));
    return response(userId, items, lookup.path, lookup.reason, versions);
  }

  // Time-based features are derived as of the latest training interaction when the clock is later.
  const clock = deps.now?.() ?? Date.now();
  const now = retrieval.dataTime === null ? clock : Math.min(clock, retrieval.dataTime);
  let features;
  try {
    features = await withTimeout(
      Promise.all([
        lookup.history ?? deps.features.readHistory(userId),
        models.ranker ? deps.features.readUser(userId, now) : Promise.resolve({}),
        models.ranker ? deps.features.readItems(lookup.candidates.map((c) => c.itemId), now) : Promise.resolve([]),
      ]),
      deps.storeTimeoutMs,
      'online store read',
    );
  } catch (error) {
    deps.log.warn({ err: error, userId }, 'failed to read online features; serving candidates in retrieval order');
    return retrievalOrder(userId, lookup, lookup.history ?? new Set(), topK, 'online_store_unavailable', versions);
  }
  const [history, user, items] = features;

  // Without a ranker the response is still personalized: candidates in retrieval order, unflagged.
  if (!models.ranker) return retrievalOrder(userId, lookup, history, topK, lookup.reason, versions);

  const { ranker, encoder } = models.ranker;
  const rows = lookup.candidates.length;
  const matrix = scratch.matrix(rows * ranker.featureNames.length);
  // Pair features (user–item affinities) are computed per request from both sides' values, as in
  // training. They go beside the item values, so each cached item object keeps its encoded row.
  const pairColumns = { names: PAIR_FEATURE_NAMES, values: pairFeatureColumnsForItems(user, items) };
  encoder.encode({ user, items, candidates: lookup.candidates, pairColumns }, matrix);
  const scores = scratch.scores(rows);
  ranker.predict(matrix, rows, scores);

  const ranked = lookup.candidates
    .map((c, i) => ({ itemId: c.itemId, score: scores[i], retrievalScore: c.score }))
    .filter((c) => !history.has(c.itemId))
    .sort(compareRanked)
    .slice(0, topK)
    .map((c) => ({ parent_asin: c.itemId, predicted_rating: c.score }));
  return response(userId, ranked, lookup.path, lookup.reason, versions);
}

const PAIR_FEATURE_NAMES = PAIR_FEATURES.map((f) => f.name);

/**
 * Buffers for the ranker matrix and scores, shared by all requests: encoding, prediction and the
 * read of the scores run with no await in between, so two requests never use them at once.
 * They grow to the largest request and are not shrunk.
 */
const scratch = {
  matrixBuffer: new Float32Array(0),
  scoresBuffer: new Float32Array(0),
  matrix(length: number): Float32Array {
    if (this.matrixBuffer.length < length) this.matrixBuffer = new Float32Array(length);
    return this.matrixBuffer;
  },
  scores(length: number): Float32Array {
    if (this.scoresBuffer.length < length) this.scoresBuffer = new Float32Array(length);
    return this.scoresBuffer;
  },
};

async function findCandidates(deps: RecommendDeps, retrieval: LoadedRetrieval, userId: string): Promise<CandidateLookup> {
  let stored: Candidate[] | null;
  try {
    stored = await withTimeout(deps.candidates.get(userId, retrieval.candidateVersion ?? undefined), deps.storeTimeoutMs, 'candidate store read');
  } catch (error) {
    deps.log.warn({ err: error, userId }, 'failed to read candidates; serving the non-personalized list');
    return { path: 'non_personalized', candidates: [], reason: 'candidate_store_unavailable' };
  }
  if (stored !== null) return { path: 'precomputed', candidates: stored, reason: null };

  if (!retrieval.knowsUser(userId)) return { path: 'non_personalized', candidates: [], reason: 'unknown_user' };

  let history: ReadonlySet<string>;
  try {
    history = await withTimeout(deps.features.readHistory(userId), deps.storeTimeoutMs, 'history read');
  } catch (error) {
    deps.log.warn({ err: error, userId }, 'failed to read the interaction history; serving the non-personalized list');
    return { path: 'non_personalized', candidates: [], reason: 'online_store_unavailable' };
  }
  return { path: 'on_the_fly', candidates: retrieval.retrieve(userId, history, deps.candidateCount), reason: null, history };
}

function retrievalOrder(
  userId: string,
  lookup: CandidateLookup,
  history: ReadonlySet<string>,
  topK: number,
  reason: FallbackReason | null,
  versions: RecommendationResponse['model_versions'],
): RecommendationResponse {
  const items = lookup.candidates
    .filter((c) => !history.has(c.itemId))
    .map((c) => ({ itemId: c.itemId, score: c.score, retrievalScore: c.score }))
    .sort(compareRanked)
    .slice(0, topK)
    .map((c) => ({ parent_asin: c.itemId, predicted_rating: c.score }));
  return response(userId, items, lookup.path, reason, versions);
}

function response(
  userId: string,
  recommendations: RecommendationResponse['recommendations'],
  path: ServedPath,
  reason: FallbackReason | null,
  versions: RecommendationResponse['model_versions'],
): RecommendationResponse {
  return {
    user_id: userId,
    recommendations,
    num_recommendations: recommendations.length,
    served_path: path,
    fallback: reason !== null,
    fallback_reason: reason,
    model_versions: versions,
  };
}
