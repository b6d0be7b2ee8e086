import type { Command } from 'commander';

// Placeholder until this command lands; it keeps the command tree complete.
export function registerServeCommand(parent: Command): void {
  parent
    .command('serve')
    .description('Start the HTTP API')
    .option('--json', 'print one JSON object on stdout')
    .action(() => {
      process.stderr.write('error: twostage serve is not implemented yet\n');
      process.exitCode = 1;
    });
}
