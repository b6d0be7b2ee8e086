import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerRecommendCommand(parent: Command): void {
  parent
    .command('recommend')
    .description("Print one user's recommendations, offline")
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage recommend is not implemented yet\n');
      process.exitCode = 1;
    });
}
