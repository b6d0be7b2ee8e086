import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerCandidatesCommand(parent: Command): void {
  parent
    .command('candidates')
    .description("Precompute every user's retrieval candidates into the candidate store")
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage candidates is not implemented yet\n');
      process.exitCode = 1;
    });
}
