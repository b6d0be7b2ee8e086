import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerRankerCommand(parent: Command): void {
  parent
    .command('ranker')
    .description('Score a CSV with an XGBoost JSON model')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage ranker is not implemented yet\n');
      process.exitCode = 1;
    });
}
