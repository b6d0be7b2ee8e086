import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerModelsCommand(parent: Command): void {
  parent
    .command('models')
    .description('List, show, promote and roll back model versions')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage models is not implemented yet\n');
      process.exitCode = 1;
    });
}
