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
