#!/usr/bin/env node
import { Command } from 'commander';
import { registerConfigCommand } from './commands/config.js';
import { registerIngestCommand } from './commands/ingest.js';
import { registerFeaturesCommand } from './commands/features.js';
import { registerTrainRetrievalCommand } from './commands/train-retrieval.js';
import { registerTrainRankerCommand } from './commands/train-ranker.js';
import { registerCandidatesCommand } from './commands/candidates.js';
import { registerRecommendCommand } from './commands/recommend.js';
import { registerRankerCommand } from './commands/ranker.js';
import { registerModelsCommand } from './commands/models.js';
import { registerServeCommand } from './commands/serve.js';
import { registerPipelineCommand } from './commands/pipeline.js';
import { registerEvaluateCommand } from './commands/evaluate.js';

/** Builds the `twostage` command tree; each subcommand lives in ./commands/<name>.ts. */
export function buildProgram(): Command {
  const program = new Command('twostage')
    .description('Two-stage recommender: retrieval, feature store, gradient-boosted ranking and an HTTP API')
    .version('0.1.0')
    // Options after a subcommand belong to it, so `features export --json` reaches `export`.
    .enablePositionalOptions();

  registerPipelineCommand(program);
  registerIngestCommand(program);
  registerFeaturesCommand(program);
  const train = program.command('train').description('Train a model: retrieval or ranker');
  registerTrainRetrievalCommand(train);
  registerTrainRankerCommand(train);
  registerCandidatesCommand(program);
  registerRecommendCommand(program);
  registerRankerCommand(program);
  registerEvaluateCommand(program);
  registerModelsCommand(program);
  registerServeCommand(program);
  registerConfigCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
