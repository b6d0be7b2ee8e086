import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Runs every `*.bench.js` next to this file (after `npm run build`), or only those whose name
 * contains one of the command-line arguments: `npm run bench -- svd ingest`.
 * Each benchmark module exports `default async function (): Promise<void>` and prints its figures
 * as ratios against a baseline measured in the same run.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || '(any)'} in ${here}`);
  process.exitCode = 1;
}
for (const file of files) {
  console.log(`\n== ${file.replace(/\.bench\.js$/, '')}`);
  const module = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<void> };
  await module.default();
}
