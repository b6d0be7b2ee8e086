import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerTrainRankerCommand(parent: Command): void {
  parent
    .command('ranker')
    .description('Train the ranking model')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage train-ranker is not implemented yet\n');
      process.exitCode = 1;
    });
}
