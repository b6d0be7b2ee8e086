import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerIngestCommand(parent: Command): void {
  parent
    .command('ingest')
    .description('Load reviews, ratings or events and item metadata into the offline store')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage ingest is not implemented yet\n');
      process.exitCode = 1;
    });
}
