import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/load.js';
import { runPipeline } from '../../src/pipeline/run.js';
import type { PipelineSummary } from '../../src/pipeline/summary.js';
import { startServer, type RunningServer } from '../../src/serving/server.js';

export interface Harness {
  readonly dir: string;
  readonly config: Config;
  readonly summary: PipelineSummary;
  server: RunningServer;
  /** POSTs a JSON body to /recommendations. */
  recommend(body: unknown): Promise<{ status: number; text: string; json: any }>;
  /** Stops the server and starts a new one on the same stores and artifacts. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the whole pipeline on `paths` in a fresh WORKDIR, then starts the API on a free port of
 * 127.0.0.1, with the embedded stores of that WORKDIR.
 */
export async function runAndServe(paths: readonly string[], env: Record<string, string> = {}): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'twostage-e2e-'));
  const { config } = loadConfig({
    cwd: dir,
    env: { WORKDIR: dir, LOG_LEVEL: 'silent', MODEL_POLL_MS: '200', ...env },
  });
  const log = pino({ level: 'silent' });
  const summary = await runPipeline(config, { paths, quiet: true, log });
  const start = () => startServer({ config, log, host: '127.0.0.1', port: 0 });

  const harness: Harness = {
    dir,
    config,
    summary,
    server: await start(),
    async recommend(body) {
      const response = await fetch(`${harness.server.url}/recommendations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, text, json: JSON.parse(text) };
    },
    async restart() {
      await harness.server.close();
      harness.server = await start();
    },
    async close() {
      await harness.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

