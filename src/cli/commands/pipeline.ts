import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerPipelineCommand(parent: Command): void {
  parent
    .command('pipeline')
    .description('Run the main job: ingest, features, retrieval, candidates, ranker, evaluation, registry')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage pipeline is not implemented yet\n');
      process.exitCode = 1;
    });
}
