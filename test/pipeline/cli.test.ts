import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * Runs the built CLI in a WORKDIR of its own; resolves with the exit code and both streams. The
 * five users of case B01 leave the default interaction ranker no positive candidates, so these
 * runs train the rating ranker, which needs only ratings, to exercise both registered models.
 */
async function twostage(workdir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const env = { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'silent', RANKER_OBJECTIVE: 'rating' };
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: workdir, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('pipeline and models commands', () => {
  let workdir: string;
  let pipeline: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`missing ${CLI}: run npm run build first`);
    workdir = mkdtempSync(path.join(tmpdir(), 'twostage-cli-'));
    pipeline = await twostage(workdir, ['pipeline', sharedPath('cases', 'B01', 'reviews.jsonl'), sharedPath('cases', 'B01', 'meta.jsonl'), '--json']);
  }, 300_000);

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  it('prints one JSON object with --json', () => {
    expect(pipeline.code, pipeline.stderr).toBe(0);
    const lines = pipeline.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]);
    expect(summary.ok).toBe(true);
    expect(summary.dataset.users).toBe(5);
    expect(summary.promoted).toHaveLength(2);
    expect(summary.evaluation.headline.map((row: { model: string }) => row.model)).toEqual(['popularity', 'two-stage']);
  });

  it('lists the promoted versions', async () => {
    const listed = await twostage(workdir, ['models', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const { versions } = JSON.parse(listed.stdout);
    expect(versions.map((v: { kind: string; stage: string }) => `${v.kind}:${v.stage}`).sort()).toEqual(['ranker:production', 'retrieval:production']);
  });

  it('fails a rollback with nothing archived', async () => {
    const result = await twostage(workdir, ['models', 'rollback', 'ranker', '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: no archived ranker version to roll back to/m);
    expect(JSON.parse(result.stdout).error.code).toBe('REC_ERR_MODEL_NOT_FOUND');
  });

  it('names the kinds for an unknown kind', async () => {
    const result = await twostage(workdir, ['models', 'show', 'embedding']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown model kind "embedding": expected one of retrieval, ranker/);
  });

  it('answers the full stage offline', async () => {
    const result = await twostage(workdir, ['recommend', '--user', 'UX0001', '--stage', 'full', '--top-k', '3', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.fallback).toBe(false);
    expect(body.recommendations.map((r: { parent_asin: string }) => r.parent_asin).sort()).toEqual(['PX0004', 'PX0005']);
  });
});
