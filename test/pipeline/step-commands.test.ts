import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startServer } from '../../src/serving/server.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const REVIEWS = sharedPath('cases', 'B01', 'reviews.jsonl');
const META = sharedPath('cases', 'B01', 'meta.jsonl');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function twostage(workdir: string, args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: workdir, env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Result;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function json(workdir: string, args: string[]): Promise<any> {
  const result = await twostage(workdir, [...args, '--json']);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout);
}

/**
 * The step-by-step commands (ingest, features, train retrieval, models promote) against the
 * serving path: a version serving cannot load must never reach production, and `candidates`
 * must precompute for the versions the pipeline registers.
 */
describe('step-by-step retrieval commands', () => {
  let workdir: string;
  let svdVersion: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`missing ${CLI}: run npm run build first`);
    workdir = mkdtempSync(path.join(tmpdir(), 'twostage-steps-'));
    await json(workdir, ['ingest', REVIEWS, META]);
    await json(workdir, ['features']);
    svdVersion = (await json(workdir, ['train', 'retrieval'])).model_version;
  }, 300_000);

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  it('rejects promoting an unloadable version', async () => {
    const result = await twostage(workdir, ['models', 'promote', 'retrieval', svdVersion, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('REC_ERR_MODEL_INVALID');
    expect(result.stderr).toContain(`cannot promote retrieval version ${svdVersion}`);
    expect(result.stderr).toContain('bundle.json not found');
    expect(result.stderr).toContain('twostage pipeline');
    const { versions } = await json(workdir, ['models', 'list']);
    expect(versions.map((v: { version: string; stage: string }) => `${v.version}:${v.stage}`)).toEqual([`${svdVersion}:staging`]);
  });

  describe('after the pipeline', () => {
    let pipelineVersion: string;

    beforeAll(async () => {
      await json(workdir, ['pipeline', REVIEWS, META]);
      pipelineVersion = (await json(workdir, ['models', 'show', 'retrieval'])).version;
    }, 300_000);

    it('keeps production on failed promote', async () => {
      const result = await twostage(workdir, ['models', 'promote', 'retrieval', svdVersion]);
      expect(result.code).toBe(1);
      expect((await json(workdir, ['models', 'show', 'retrieval'])).version).toBe(pipelineVersion);
    });

    it('candidates default to production version', async () => {
      const summary = await json(workdir, ['candidates', '--no-activate']);
      expect(summary.model_version).toBe(pipelineVersion);
      expect(summary.candidate_version.startsWith(`${pipelineVersion}@`)).toBe(true);
      expect(summary.users).toBe(5);
      expect(summary.activated).toBe(false);
    });

    it('candidates for a named pipeline version', async () => {
      const summary = await json(workdir, ['candidates', '--model-version', pipelineVersion]);
      expect(summary.model_version).toBe(pipelineVersion);
      expect(summary.activated).toBe(true);
      expect(summary.candidates).toBeGreaterThan(0);
    });

    it('candidates for a named SVD version', async () => {
      const summary = await json(workdir, ['candidates', '--model-version', svdVersion, '--no-activate']);
      expect(summary.model_version).toBe(svdVersion);
    });

    it('full stage offline and over HTTP', async () => {
      const offline = await json(workdir, ['recommend', '--user', 'UX0001', '--stage', 'full', '--top-k', '3']);
      expect(offline.fallback).toBe(false);
      expect(offline.recommendations.length).toBeGreaterThan(0);

      const { config } = loadConfig({ cwd: workdir, env: { WORKDIR: workdir, LOG_LEVEL: 'silent' } });
      const server = await startServer({ config, log: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
      try {
        const response = await fetch(`${server.url}/recommendations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: 'UX0001', top_k: 3 }),
        });
        const text = await response.text();
        expect(response.status, text).toBe(200);
        const body = JSON.parse(text);
        expect(body.model_versions.retrieval).toBe(pipelineVersion);
        expect(body.fallback).toBe(false);
        expect(body.recommendations.length).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    });
  });
});
