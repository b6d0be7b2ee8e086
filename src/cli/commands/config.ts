import type { Command } from 'commander';
import { displayValue, loadConfig } from '../../config/load.js';
import { renderEnvExample, renderSettingsTable } from '../../config/docs.js';
import { SETTINGS } from '../../config/schema.js';
import { action } from '../run.js';

export function registerConfigCommand(program: Command): void {
  const config = program
    .command('config')
    .description('Print the effective configuration and where each value came from (secrets masked)')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action(async () => {
        const { config: values, sources } = loadConfig();
        const settings = SETTINGS.map((spec) => ({
          key: spec.key,
          value: displayValue(spec, values[spec.key as keyof typeof values]),
          source: sources[spec.key as keyof typeof sources],
        }));
        const width = Math.max(...settings.map((s) => s.key.length));
        const text = settings.map((s) => `${s.key.padEnd(width)}  ${s.value}  (${s.source})`).join('\n');
        return { json: { settings }, text };
      }),
    );

  config
    .command('env-example')
    .description('Print .env.example generated from the settings schema')
    .action(() => {
      process.stdout.write(renderEnvExample());
    });
  config
    .command('docs-table')
    .description('Print the Markdown settings table generated from the settings schema')
    .action(() => {
      process.stdout.write(`${renderSettingsTable()}\n`);
    });
}
