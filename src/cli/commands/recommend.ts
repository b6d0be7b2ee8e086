import type { Command } from 'commander';
import type { Config } from '../../config/load.js';
import { readId } from '../../data/policy.js';
import { TwostageError } from '../../errors.js';
import { recommendFromRetrieval } from '../../retrieval/recommend.js';
import { action, parseIntegerFlag, type CommandResult } from '../run.js';

interface RecommendCommandOptions {
  user: string;
  stage?: string;
  topK?: string;
  json?: boolean;
}

/** Produces one user's recommendations for a stage; `topK` is already validated. */
export type StageRecommender = (config: Config, userId: string, topK: number) => Promise<CommandResult>;

/**
 * Stage handlers. `full` (retrieval, then the ranker) is registered by the serving side through
 * `setFullStageRecommender`; until then it fails with a clear error.
 */
const STAGES: Record<string, StageRecommender | null> = {
  retrieval: recommendRetrievalStage,
  full: null,
};

/** Installs the `--stage full` handler (retrieval followed by the ranker). */
export function setFullStageRecommender(recommender: StageRecommender): void {
  STAGES.full = recommender;
}

/** `twostage recommend --user ID [--stage retrieval|full] [--top-k N] [--json]`. */
export function registerRecommendCommand(parent: Command): void {
  parent
    .command('recommend')
    .description("Print one user's recommendations, offline")
    .requiredOption('--user <id>', 'raw user id; surrounding spaces are trimmed as by ingest and the API')
    .option('--stage <stage>', 'retrieval: candidates only; full: candidates reordered by the ranker (default: full when available, else retrieval)')
    .option('--top-k <n>', 'number of recommendations (default: TOP_K, at most MAX_TOP_K)')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<RecommendCommandOptions>(async (ctx, options) => {
        const stage = options.stage ?? (STAGES.full ? 'full' : 'retrieval');
        if (!(stage in STAGES)) {
          throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid --stage "${stage}": expected ${Object.keys(STAGES).join(' or ')}`);
        }
        // Parsed here rather than by commander, so an invalid value is reported as one error line.
        const topK = options.topK === undefined ? ctx.config.TOP_K : parseIntegerFlag('--top-k', 1, ctx.config.MAX_TOP_K)(options.topK);
        if (topK > ctx.config.MAX_TOP_K) {
          throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid --top-k ${topK}: at most MAX_TOP_K (${ctx.config.MAX_TOP_K})`);
        }
        const recommender = STAGES[stage];
        if (!recommender) {
          throw new TwostageError('REC_ERR_NO_PRODUCTION_MODEL', `--stage ${stage} is not available in this build yet; use --stage retrieval`);
        }
        return recommender(ctx.config, userIdOf(options.user, ctx.config.MAX_USER_ID_LENGTH), topK);
      }),
    );
}

async function recommendRetrievalStage(config: Config, userId: string, topK: number): Promise<CommandResult> {
  const r = await recommendFromRetrieval(config, userId, topK);
  const json = {
    user_id: r.userId,
    recommendations: r.items.map((item) => ({ parent_asin: item.itemId, score: item.score })),
    stage: 'retrieval',
    source: r.source,
    personalized: r.personalized,
    model_version: r.modelVersion,
    candidate_version: r.candidateVersion,
  };
  const header = `user ${r.userId}: ${r.items.length} retrieval candidates from ${r.source}${r.personalized ? '' : ' (not personalized: the model has no factors for this user)'}`;
  const lines = r.items.map((item, rank) => `${String(rank + 1).padStart(3)}. ${item.itemId}  ${item.score.toFixed(4)}`);
  return { json, text: [header, ...lines].join('\n') };
}

/**
 * Trims the --user id as ingest and the API do (`readId`). A blank id, or one longer than
 * MAX_USER_ID_LENGTH characters before trimming, is rejected, as the API rejects it with 400.
 * Characters are Unicode code points, as the API's JSON schema counts them, not UTF-16 units.
 */
function userIdOf(raw: string, maxLength: number): string {
  const length = codePointCount(raw);
  if (length > maxLength) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `--user is ${length} characters long: at most MAX_USER_ID_LENGTH (${maxLength})`);
  }
  const userId = readId(raw);
  if (userId === null) throw new TwostageError('REC_ERR_REQUEST_INVALID', '--user must be a non-empty string with at least one non-space character');
  return userId;
}

function codePointCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
