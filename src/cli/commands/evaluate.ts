import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerEvaluateCommand(parent: Command): void {
  parent
    .command('evaluate')
    .description('Evaluate retrieval and ranking offline and write report.json and report.html')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage evaluate is not implemented yet\n');
      process.exitCode = 1;
    });
}
