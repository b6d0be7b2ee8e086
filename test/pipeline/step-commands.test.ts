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

/** POSTs one recommendation request to an API started on the WORKDIR's stores; returns the status and body. */
async function serveOnce(workdir: string, userId: string): Promise<{ status: number; body: any }> {
  const { config } = loadConfig({ cwd: workdir, env: { WORKDIR: workdir, LOG_LEVEL: 'silent' } });
  const server = await startServer({ config, log: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  try {
    const response = await fetch(`${server.url}/recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: userId, top_k: 3 }),
    });
    return { status: response.status, body: JSON.parse(await response.text()) };
  } finally {
    await server.close();
  }
}

/**
 * The step-by-step commands (ingest, features, train retrieval, models promote) write the same
 * retrieval bundle the pipeline writes, so serving, `recommend --stage full` and `candidates`
 * load either kind of version.
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
    await json(workdir, ['models', 'promote', 'retrieval', svdVersion]);
  }, 300_000);

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  it('promotes the trained SVD version', async () => {
    expect((await json(workdir, ['models', 'show', 'retrieval'])).version).toBe(svdVersion);
  });

  it('answers the full stage offline', async () => {
    const offline = await json(workdir, ['recommend', '--user', 'UX0001', '--stage', 'full', '--top-k', '3']);
    expect(offline.fallback).toBe(false);
    expect(offline.model_versions.retrieval).toBe(svdVersion);
    expect(offline.recommendations.length).toBeGreaterThan(0);
  });

  it('serves the SVD version over HTTP', async () => {
    const { status, body } = await serveOnce(workdir, 'UX0001');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.model_versions.retrieval).toBe(svdVersion);
    expect(body.fallback).toBe(false);
    expect(body.recommendations.length).toBeGreaterThan(0);
  });

  it('rejects promoting an unloadable version', async () => {
    const broken = (await json(workdir, ['train', 'retrieval'])).model_version;
    const bundleDir = path.join(workdir, 'artifacts', 'retrieval', broken, 'bundle');
    expect(existsSync(bundleDir)).toBe(true);
    rmSync(bundleDir, { recursive: true });

    const result = await twostage(workdir, ['models', 'promote', 'retrieval', broken, '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('REC_ERR_MODEL_INVALID');
    expect(result.stderr).toContain(`cannot promote retrieval version ${broken}`);
    expect(result.stderr).toContain('bundle.json not found');
    expect((await json(workdir, ['models', 'show', 'retrieval'])).version).toBe(svdVersion);
  });

  describe('after the pipeline', () => {
    let pipelineVersion: string;

    beforeAll(async () => {
      await json(workdir, ['pipeline', REVIEWS, META]);
      pipelineVersion = (await json(workdir, ['models', 'show', 'retrieval'])).version;
    }, 300_000);

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
      expect(summary.users).toBe(5);
    });

    it('serves the pipeline version over HTTP', async () => {
      const { status, body } = await serveOnce(workdir, 'UX0001');
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.model_versions.retrieval).toBe(pipelineVersion);
    });
  });
});

/**
 * `train retrieval --algorithm merged` writes the pipeline's multi-source bundle step by step, and
 * `models rollback` runs the same load check as `models promote`.
 */
describe('train retrieval for merged sources', () => {
  let workdir: string;
  let svdVersion: string;
  let merged: any;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`missing ${CLI}: run npm run build first`);
    workdir = mkdtempSync(path.join(tmpdir(), 'twostage-merged-'));
    await json(workdir, ['ingest', REVIEWS, META]);
    await json(workdir, ['features']);
    svdVersion = (await json(workdir, ['train', 'retrieval'])).model_version;
    await json(workdir, ['models', 'promote', 'retrieval', svdVersion]);
    merged = await json(workdir, ['train', 'retrieval', '--algorithm', 'merged']);
  }, 300_000);

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  it('registers the configured sources as staging', async () => {
    expect(merged.algorithm).toBe('merged');
    expect(merged.model_version.startsWith('merged-')).toBe(true);
    expect(merged.registered).toBe(true);
    expect(merged.hyperparameters.sources.map((s: { name: string }) => s.name)).toEqual(['als', 'cooccurrence', 'bpr']);
    expect(merged.candidate_users).toBe(5);
    const shown = await json(workdir, ['models', 'show', 'retrieval', merged.model_version]);
    expect(shown.stage).toBe('staging');
  });

  it('serves the merged version once promoted', async () => {
    await json(workdir, ['models', 'promote', 'retrieval', merged.model_version]);
    const { status, body } = await serveOnce(workdir, 'UX0001');
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.model_versions.retrieval).toBe(merged.model_version);
    expect(body.fallback).toBe(false);
  });

  it('trains one source alone', async () => {
    const als = await json(workdir, ['train', 'retrieval', '--algorithm', 'als', '--no-candidates']);
    expect(als.model_version.startsWith('als-')).toBe(true);
    expect(als.hyperparameters.sources).toEqual([{ name: 'als', quota: 100 }]);
    expect(als.candidate_version).toBeNull();
  });

  it('rejects SVD-only flags for sources', async () => {
    const result = await twostage(workdir, ['train', 'retrieval', '--algorithm', 'merged', '--epochs', '5']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--epochs applies to --algorithm svd only');
  });

  it('rejects an unknown algorithm', async () => {
    const result = await twostage(workdir, ['train', 'retrieval', '--algorithm', 'lightfm']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid --algorithm "lightfm"');
  });

  it('rollback checks the target loads', async () => {
    expect((await json(workdir, ['models', 'show', 'retrieval'])).version).toBe(merged.model_version);
    rmSync(path.join(workdir, 'artifacts', 'retrieval', svdVersion, 'bundle'), { recursive: true });

    const result = await twostage(workdir, ['models', 'rollback', 'retrieval', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('REC_ERR_MODEL_INVALID');
    expect(result.stderr).toContain(`cannot roll back to retrieval version ${svdVersion}`);
    expect((await json(workdir, ['models', 'show', 'retrieval'])).version).toBe(merged.model_version);
  });
});
