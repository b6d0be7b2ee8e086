import type { Command } from 'commander';
import { SOURCE_ALGORITHMS, trainSourceBundle } from '../../pipeline/train-sources-job.js';
import { RETRIEVAL_ALGORITHMS, trainRetrieval, type TrainRetrievalSummary } from '../../retrieval/jobs.js';
import { TwostageError } from '../../errors.js';
import { action, parseIntegerFlag } from '../run.js';

// Numeric flags arrive as strings and are parsed inside the action wrapper, so an invalid value
// is reported as one `error:` line instead of escaping from commander's option parser.
interface TrainRetrievalCommandOptions {
  algorithm: string;
  factors?: string;
  seed?: string;
  epochs?: string;
  validationFraction?: string;
  patience?: string;
  candidates: boolean;
  json?: boolean;
}

/** Every value of --algorithm: SVD (explicit ratings only) and the implicit-feedback sources, alone or merged. */
const ALGORITHMS: readonly string[] = [...RETRIEVAL_ALGORITHMS, ...SOURCE_ALGORITHMS];

/** `twostage train retrieval [--algorithm svd] [--factors N] [--seed N] [--json]`, plus training options. */
export function registerTrainRetrievalCommand(parent: Command): void {
  parent
    .command('retrieval')
    .description('Train a retrieval model on the ingested dataset, store it, precompute its candidates and register it (staging)')
    .option('--algorithm <name>', `retrieval algorithm (${ALGORITHMS.join('|')}); merged trains the sources of RETRIEVAL_SOURCES as the pipeline does`, 'svd')
    .option('--factors <n>', 'latent factors (default: MF_FACTORS)')
    .option('--seed <n>', 'random seed (default: SEED)')
    .option('--epochs <n>', 'SVD only: SGD epochs (default 20)')
    .option('--validation-fraction <f>', 'SVD only: hold out this fraction of ratings and report their RMSE per epoch')
    .option('--patience <n>', 'SVD only: stop after this many epochs without a validation improvement and keep the best epoch')
    .option('--no-candidates', 'skip precomputing the candidate version')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<TrainRetrievalCommandOptions>(
        async (ctx, options) => {
          if (!ALGORITHMS.includes(options.algorithm)) {
            throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid --algorithm "${options.algorithm}": expected one of ${ALGORITHMS.join(', ')}`);
          }
          if (options.algorithm !== 'svd') {
            const svdOnly = svdOnlyFlag(options);
            if (svdOnly) throw new TwostageError('REC_ERR_REQUEST_INVALID', `${svdOnly} applies to --algorithm svd only, not ${options.algorithm}`);
            const algorithm = options.algorithm as (typeof SOURCE_ALGORITHMS)[number];
            const summary = await trainSourceBundle(ctx.config, { algorithm, candidates: options.candidates, quiet: ctx.json });
            return { json: summaryJson(summary), text: sourceSummaryText(summary) };
          }
          const epochs = options.epochs === undefined ? undefined : parseIntegerFlag('--epochs', 1, 100_000)(options.epochs);
          const validationFraction = options.validationFraction === undefined ? undefined : parseFraction(options.validationFraction);
          const patience = options.patience === undefined ? undefined : parseIntegerFlag('--patience', 1, 100_000)(options.patience);
          if (patience !== undefined && validationFraction === undefined) {
            throw new TwostageError('REC_ERR_REQUEST_INVALID', '--patience needs --validation-fraction: early stopping watches the validation RMSE');
          }
          const summary = await trainRetrieval(ctx.config, {
            algorithm: options.algorithm,
            factors: ctx.config.MF_FACTORS,
            seed: ctx.config.SEED,
            epochs,
            validationFraction,
            patience,
            candidates: options.candidates,
            quiet: ctx.json,
          });
          return { json: summaryJson(summary), text: summaryText(summary) };
        },
        (options) => ({
          MF_FACTORS: options.factors === undefined ? undefined : parseIntegerFlag('--factors', 1, 4096)(options.factors),
          SEED: options.seed === undefined ? undefined : parseIntegerFlag('--seed', 0, 2 ** 32 - 1)(options.seed),
        }),
      ),
    );
}

function svdOnlyFlag(options: TrainRetrievalCommandOptions): string | null {
  if (options.epochs !== undefined) return '--epochs';
  if (options.validationFraction !== undefined) return '--validation-fraction';
  if (options.patience !== undefined) return '--patience';
  return null;
}

function parseFraction(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid value "${value}" for --validation-fraction: expected a number between 0 and 1`);
  return parsed;
}

function summaryJson(s: TrainRetrievalSummary): Record<string, unknown> {
  return {
    ok: true,
    algorithm: s.algorithm,
    model_version: s.modelVersion,
    artifact_key: s.artifactKey,
    location: s.location,
    registered: s.registered,
    users: s.users,
    items: s.items,
    ratings: s.ratings,
    validation_ratings: s.validationRatings,
    hyperparameters: s.hyperparameters,
    epochs: s.epochs.map((e) => ({ epoch: e.epoch, train_rmse: e.trainRmse, validation_rmse: e.validationRmse })),
    kept_epoch: s.keptEpoch,
    stopped_early: s.stoppedEarly,
    fit_seconds: s.fitSeconds,
    metrics: s.metrics,
    candidate_version: s.candidates?.version ?? null,
    candidate_users: s.candidates?.users ?? 0,
  };
}

function sourceSummaryText(s: TrainRetrievalSummary): string {
  const sources = (s.hyperparameters.sources as { name: string; quota: number }[]).map((q) => `${q.name}:${q.quota}`).join(', ');
  const lines = [
    `trained ${s.algorithm} ${s.modelVersion}: ${s.users} users, ${s.items} items, ${s.ratings} interactions, sources ${sources}, fit ${s.fitSeconds.toFixed(2)} s`,
    `artifact ${s.artifactKey} (${s.location})${s.registered ? ', registered as staging' : ', not registered (see the log)'}`,
  ];
  if (s.candidates) lines.push(`candidate version ${s.candidates.version}: ${s.candidates.users} users, not active until the model is promoted`);
  return lines.join('\n');
}

function summaryText(s: TrainRetrievalSummary): string {
  const last = s.epochs[s.keptEpoch - 1];
  const lines = [
    `trained ${s.algorithm} ${s.modelVersion}: ${s.users} users, ${s.items} items, ${s.ratings} ratings, ${s.hyperparameters.n_factors} factors`,
    `epochs ${s.keptEpoch}${s.stoppedEarly ? ' (stopped early)' : ''}, train RMSE ${last?.trainRmse.toFixed(4) ?? 'n/a'}` +
      (last?.validationRmse != null ? `, validation RMSE ${last.validationRmse.toFixed(4)} on ${s.validationRatings} ratings` : '') +
      `, fit ${s.fitSeconds.toFixed(2)} s`,
    `artifact ${s.artifactKey} (${s.location})${s.registered ? ', registered as staging' : ', not registered (see the log)'}`,
  ];
  if (s.candidates) lines.push(`candidate version ${s.candidates.version}: ${s.candidates.users} users, not active until the model is promoted`);
  return lines.join('\n');
}
