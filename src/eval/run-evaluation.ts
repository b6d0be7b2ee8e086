import type { Config } from '../config/load.js';
import { loadDataset, type Dataset } from '../data/dataset.js';
import { TwostageError } from '../errors.js';
import { getLogger, type Logger } from '../log.js';
import { openOfflineStore } from '../store/open.js';
import { evaluateModels, prepareSplit, type EvaluationSettings } from './evaluate-models.js';
import { predefinedSplit } from './fold-files.js';
import { FULL_RANKING_PROTOCOL } from './full-ranking.js';
import type { EvaluationModel } from './model-types.js';
import { defaultEvaluationModels } from './models/default-models.js';
import { DEFAULT_CUTOFFS, normalizeCutoffs } from './ranking-metrics.js';
import { writeReportFiles } from './report/write-report.js';
import type { EvaluationReport } from './report-types.js';
import { DEFAULT_WARM_THRESHOLD } from './segments.js';
import type { SplitOptions, TrainTestSplit } from './split-types.js';
import { leaveLastOutSplit, temporalSplit } from './splits.js';

/** The parts of a dataset the evaluation reads. */
export type EvaluationDataset = Pick<Dataset, 'info' | 'interactions'>;

export interface RunEvaluationOptions {
  readonly config: Config;
  /** Default: a global temporal split at the 80 % quantile of event time. */
  readonly split?: SplitOptions;
  /** Cutoffs K; default 10, 20, 100. */
  readonly cutoffs?: readonly number[];
  /** Training interactions a user needs to count as warm; default 5. */
  readonly warmThreshold?: number;
  /** Held-out ratings below this are not relevant; default null (every held-out interaction is). */
  readonly minRating?: number | null;
  /** Models in table order; default `defaultEvaluationModels()` followed by `extraModels`. */
  readonly models?: readonly EvaluationModel[];
  /** Models appended to the default list, such as the full two-stage model of the main job. */
  readonly extraModels?: readonly EvaluationModel[];
  /** Folder for report.json and report.html; default WORKDIR; null writes no files. */
  readonly outputDir?: string | null;
  /** A dataset already in memory; default: read from the offline store. */
  readonly dataset?: EvaluationDataset;
  readonly log?: Logger;
}

/**
 * Runs the offline evaluation: splits the dataset, trains every model on the training part only,
 * ranks the whole catalog for each test user, and writes report.json and report.html. The
 * `twostage evaluate` command and the main pipeline both call this.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationReport> {
  const { config } = options;
  const log = options.log ?? getLogger();
  const splitOptions: SplitOptions = options.split ?? { kind: 'temporal' };
  const dataset = options.dataset ?? (await readDataset(config, splitOptions.kind === 'predefined'));
  const split = await makeSplit(splitOptions, dataset);
  const settings: EvaluationSettings = {
    cutoffs: normalizeCutoffs(options.cutoffs ?? DEFAULT_CUTOFFS),
    warmThreshold: options.warmThreshold ?? DEFAULT_WARM_THRESHOLD,
    minRating: options.minRating ?? null,
    seed: config.SEED,
    factors: config.MF_FACTORS,
    candidateCount: config.CANDIDATE_COUNT,
    ratingScale: dataset?.info.ratingScale ?? observedRatingScale(split.train.rating),
  };
  log.info({ split: split.kind, train: split.train.user.length, test: split.test.user.length }, 'split the dataset');

  const prepared = prepareSplit(split, settings);
  const models = options.models ?? [...defaultEvaluationModels(settings.ratingScale === null ? 'implicit' : 'explicit'), ...(options.extraModels ?? [])];
  const reports = await evaluateModels(prepared, models, settings, log);

  const report: EvaluationReport = {
    reportVersion: 1,
    createdAt: new Date().toISOString(),
    dataset: {
      format: dataset?.info.format ?? null,
      feedback: dataset?.info.feedback ?? null,
      fingerprint: dataset?.info.fingerprint ?? null,
    },
    split: {
      kind: split.kind,
      description: split.description,
      cutTime: split.cutTime === null ? null : new Date(split.cutTime).toISOString(),
    },
    protocol: FULL_RANKING_PROTOCOL,
    settings,
    population: prepared.population,
    models: reports,
    files: { json: null, html: null },
  };

  const outputDir = options.outputDir === undefined ? config.WORKDIR : options.outputDir;
  if (outputDir === null) return report;
  const files = await writeReportFiles(report, outputDir);
  log.info(files, 'wrote the evaluation report');
  return { ...report, files };
}

/** Builds the split; a predefined fold reads its own files and needs no ingested dataset. */
export async function makeSplit(options: SplitOptions, dataset: EvaluationDataset | null): Promise<TrainTestSplit> {
  if (options.kind === 'predefined') return predefinedSplit(options.trainFile, options.testFile);
  if (dataset === null) throw new TwostageError('REC_ERR_DATASET_MISSING', 'no dataset to split: run twostage ingest PATH first');
  if (options.kind === 'temporal') return temporalSplit(dataset.interactions, { cutTime: options.cutTime, quantile: options.quantile });
  return leaveLastOutSplit(dataset.interactions, options.count);
}

/** Smallest and largest training rating, or null when no training interaction has a rating. */
function observedRatingScale(rating: Float64Array): [number, number] | null {
  let low = Infinity;
  let high = -Infinity;
  for (const value of rating) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low < high ? [low, high] : null;
}

/** Reads the ingested dataset; with `optional`, a missing dataset gives null instead of an error. */
async function readDataset(config: Config, optional: boolean): Promise<EvaluationDataset | null> {
  const store = await openOfflineStore(config);
  try {
    return await loadDataset(store);
  } catch (error) {
    if (optional && error instanceof TwostageError && error.code === 'REC_ERR_DATASET_MISSING') return null;
    throw error;
  } finally {
    await store.close();
  }
}
