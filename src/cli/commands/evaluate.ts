import type { Command } from 'commander';
import { TwostageError } from '../../errors.js';
import { selectEvaluationModels } from '../../eval/models/default-models.js';
import { runEvaluation, type RunEvaluationOptions } from '../../eval/run-evaluation.js';
import type { SplitOptions } from '../../eval/split-types.js';
import { formatReportSummary } from '../../eval/summary.js';
import { action, parseIntegerFlag } from '../run.js';
import { twoStageEvaluationModel } from './evaluate-two-stage.js';

interface EvaluateCommandOptions {
  split?: string;
  train?: string;
  test?: string;
  cutTime?: string;
  quantile?: string;
  leaveOut?: string;
  cutoffs?: string;
  warmThreshold?: string;
  minRating?: string;
  models?: string;
  output?: string;
  json?: boolean;
}

const SPLIT_KINDS = ['temporal', 'leave-last-out', 'predefined'] as const;

/** `twostage evaluate [--split temporal|leave-last-out|predefined] [--train FILE --test FILE] [--json]`. */
export function registerEvaluateCommand(parent: Command): void {
  parent
    .command('evaluate')
    .description('Evaluate retrieval and ranking offline on the dataset in WORKDIR and write report.json and report.html')
    .option('--split <kind>', `how to split: ${SPLIT_KINDS.join('|')} (default: predefined with --train/--test, else temporal)`)
    .option('--train <file>', 'predefined split: training ratings, such as MovieLens u1.base')
    .option('--test <file>', 'predefined split: test ratings, such as MovieLens u1.test')
    .option('--cut-time <time>', 'temporal split: cut as an ISO 8601 time or ms since the Unix epoch (default: the --quantile of event time)')
    .option('--quantile <q>', 'temporal split: share of events before the cut, between 0 and 1 (default 0.8)')
    .option('--leave-out <n>', 'leave-last-out split: latest interactions held out per user (default 1)')
    .option('--cutoffs <list>', 'comma-separated cutoffs K (default 10,20,100)')
    .option('--warm-threshold <n>', 'training interactions a user needs to count as warm (default 5)')
    .option('--min-rating <r>', 'held-out ratings below r are not relevant (default: every held-out interaction is relevant)')
    .option('--models <list>', 'comma-separated models to evaluate, in table order (default: every available model)')
    .option('--output <dir>', 'folder for report.json and report.html (default: WORKDIR)')
    .option('--json', 'print the report as one JSON object on stdout')
    .action(
      action<EvaluateCommandOptions>(async (ctx, options) => {
        const twoStage = [twoStageEvaluationModel(ctx.config)];
        const runOptions: RunEvaluationOptions = {
          config: ctx.config,
          log: ctx.log,
          split: toSplitOptions(options),
          cutoffs: options.cutoffs === undefined ? undefined : parseCutoffs(options.cutoffs),
          warmThreshold: options.warmThreshold === undefined ? undefined : parseIntegerFlag('--warm-threshold')(options.warmThreshold),
          minRating: options.minRating === undefined ? null : parseNumberFlag('--min-rating', options.minRating),
          models: options.models === undefined ? undefined : selectEvaluationModels(splitList(options.models), twoStage),
          extraModels: twoStage,
          outputDir: options.output,
        };
        const report = await runEvaluation(runOptions);
        return { json: { ok: true, ...report }, text: formatReportSummary(report) };
      }),
    );
}

function toSplitOptions(options: EvaluateCommandOptions): SplitOptions {
  const kind = options.split ?? (options.train !== undefined || options.test !== undefined ? 'predefined' : 'temporal');
  if (!(SPLIT_KINDS as readonly string[]).includes(kind)) {
    throw invalid(`invalid --split "${kind}": expected one of ${SPLIT_KINDS.join(', ')}`);
  }
  if (kind !== 'predefined' && (options.train !== undefined || options.test !== undefined)) {
    throw invalid(`--train and --test apply only to --split predefined, not --split ${kind}`);
  }
  if (kind === 'predefined') {
    if (options.train === undefined || options.test === undefined) {
      throw invalid('--split predefined needs both --train FILE and --test FILE');
    }
    return { kind, trainFile: options.train, testFile: options.test };
  }
  if (kind === 'leave-last-out') {
    if (options.cutTime !== undefined || options.quantile !== undefined) throw invalid('--cut-time and --quantile apply only to --split temporal');
    return { kind, count: options.leaveOut === undefined ? undefined : parseIntegerFlag('--leave-out')(options.leaveOut) };
  }
  if (options.leaveOut !== undefined) throw invalid('--leave-out applies only to --split leave-last-out');
  return {
    kind: 'temporal',
    cutTime: options.cutTime === undefined ? undefined : parseTime(options.cutTime),
    quantile: options.quantile === undefined ? undefined : parseNumberFlag('--quantile', options.quantile),
  };
}

/** Parses ms since the epoch or an ISO 8601 time; a time without a zone is read as UTC. */
function parseTime(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const iso = text.trim().replace(/^(\d{4}-\d\d-\d\d) /, '$1T');
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(iso);
  const parsed = Date.parse(hasZone || !iso.includes('T') ? iso : `${iso}Z`);
  if (Number.isNaN(parsed)) throw invalid(`invalid --cut-time "${text}": expected an ISO 8601 time such as 2011-11-02T12:20:00Z or ms since the Unix epoch`);
  return parsed;
}

function parseCutoffs(text: string): number[] {
  return splitList(text).map((part) => {
    const k = Number(part);
    if (!Number.isInteger(k) || k < 1) throw invalid(`invalid cutoff "${part}" in --cutoffs: expected positive integers such as 10,20,100`);
    return k;
  });
}

function parseNumberFlag(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw invalid(`invalid value "${text}" for ${name}: expected a number`);
  return value;
}

function splitList(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

function invalid(message: string): TwostageError {
  return new TwostageError('REC_ERR_REQUEST_INVALID', message);
}
