import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerFeaturesCommand(parent: Command): void {
  parent
    .command('features')
    .description('Compute feature histories, materialize the online store, export training tables')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage features is not implemented yet\n');
      process.exitCode = 1;
    });
}
