import { SETTINGS, type SettingSpec } from './schema.js';

function defaultText(spec: SettingSpec): string {
  return typeof spec.default === 'function' ? (spec.default as (w: string) => unknown)('<WORKDIR>') as string : String(spec.default);
}

/** Renders `.env.example`: every key, commented out at its default, with its description and unit. */
export function renderEnvExample(): string {
  const lines = ['# twostage settings. Copy to .env and uncomment what you change.', '# Priority, lowest first: defaults, .env, environment variables, command-line flags.', ''];
  for (const spec of SETTINGS) {
    lines.push(`# ${spec.description}${spec.unit ? ` Unit: ${spec.unit}.` : ''}`);
    const value = defaultText(spec).replace('<WORKDIR>', './.twostage');
    lines.push(`# ${spec.key}=${value}`, '');
  }
  return lines.join('\n');
}

/** Renders the settings table of docs/configuration.md. */
export function renderSettingsTable(): string {
  const rows = ['| key | default | unit | description |', '|---|---|---|---|'];
  for (const spec of SETTINGS) {
    const value = defaultText(spec);
    rows.push(`| \`${spec.key}\` | ${value === '' ? '(empty)' : `\`${value}\``} | ${spec.unit ?? ''} | ${spec.description} |`);
  }
  return rows.join('\n');
}
