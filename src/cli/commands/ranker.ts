import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { TwostageError } from '../../errors.js';
import { featureImportance, IMPORTANCE_TYPES, type ImportanceType } from '../../ranking/importance.js';
import { XgboostRanker } from '../../ranking/predict.js';
import { scoreCsv } from '../../ranking/score-csv.js';
import { loadXgboostModel } from '../../ranking/xgboost-json.js';
import { action } from '../run.js';

interface PredictOptions {
  model: string;
  input: string;
  output?: string;
  json?: boolean;
}

interface ImportanceOptions {
  model: string;
  type: string;
  json?: boolean;
}

function requireFile(file: string, what: string): void {
  if (!existsSync(file)) throw new TwostageError('REC_ERR_INPUT_NOT_FOUND', `${what} not found: ${file}`);
}

/** `twostage ranker predict|importance`: score a CSV with any XGBoost JSON model, or list feature importance. */
export function registerRankerCommand(parent: Command): void {
  const ranker = parent.command('ranker').description('Score a CSV with an XGBoost JSON model, or list its feature importance');

  ranker
    .command('predict')
    .description('Score every row of a CSV whose header names the model features; writes the rows with a prediction column')
    .requiredOption('--model <file>', 'XGBoost JSON model (save_model("m.json") of XGBoost 1.x-3.x, or one trained here)')
    .requiredOption('--input <csv>', 'CSV or TSV (gzip allowed) with a header; empty fields and NaN are missing values')
    .option('--output <csv>', 'write the scored rows here instead of stdout')
    .option('--json', 'print one JSON object on stdout (with the predictions when --output is not given)')
    .action(
      action<PredictOptions>(async (ctx, options) => {
        requireFile(options.model, 'model file');
        requireFile(options.input, 'input file');
        const model = new XgboostRanker(await loadXgboostModel(options.model));
        const result = await scoreCsv(model, options.input, { output: options.output, collect: ctx.json && !options.output });
        if (result.replacedPrediction) ctx.log.warn({ input: options.input }, 'input already had a prediction column; its values were replaced');
        ctx.log.info({ model: options.model, input: options.input, rows: result.rows, output: options.output ?? 'stdout' }, 'scored csv');
        const summary = {
          model: options.model,
          objective: model.objective,
          trees: model.treeCount,
          features: model.featureNames.length,
          input: options.input,
          rows: result.rows,
          output: options.output ?? null,
        };
        if (ctx.json) return { json: { ok: true, ...summary, ...(result.predictions ? { predictions: result.predictions } : {}) }, text: '' };
        if (!options.output) return undefined;
        return { json: summary, text: `scored ${result.rows} rows with ${options.model} (${model.objective}, ${model.treeCount} trees) into ${options.output}` };
      }),
    );

  ranker
    .command('importance')
    .description('List feature importance of an XGBoost JSON model, highest first')
    .requiredOption('--model <file>', 'XGBoost JSON model')
    .option('--type <type>', `importance type: ${IMPORTANCE_TYPES.join(', ')}`, 'gain')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<ImportanceOptions>(async (_ctx, options) => {
        if (!IMPORTANCE_TYPES.includes(options.type as ImportanceType)) {
          throw new TwostageError('REC_ERR_REQUEST_INVALID', `invalid --type "${options.type}": expected one of ${IMPORTANCE_TYPES.join(', ')}`);
        }
        requireFile(options.model, 'model file');
        const scores = featureImportance(await loadXgboostModel(options.model), options.type as ImportanceType);
        const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        const width = Math.max(0, ...ranked.map(([name]) => name.length));
        return {
          json: { ok: true, type: options.type, importance: Object.fromEntries(ranked) },
          text: ranked.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n'),
        };
      }),
    );
}
