import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerTrainRetrievalCommand(parent: Command): void {
  parent
    .command('retrieval')
    .description('Train a retrieval model')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage train-retrieval is not implemented yet\n');
      process.exitCode = 1;
    });
}
