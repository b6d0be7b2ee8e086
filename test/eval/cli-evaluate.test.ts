import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const workdir = mkdtempSync(path.join(tmpdir(), 'twostage-evaluate-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

/** Runs the built CLI in the test WORKDIR; resolves with stdout, stderr and the exit code. */
async function twostage(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'warn' }, cwd: workdir });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

const u1 = ['--train', sharedPath('data/ml-100k/u1.base'), '--test', sharedPath('data/ml-100k/u1.test')];

describe.skipIf(!existsSync(CLI))('twostage evaluate', () => {
  it('prints the report as one JSON object', async () => {
    const result = await twostage(['evaluate', ...u1, '--models', 'popularity', '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    expect(report.ok).toBe(true);
    expect(report.split.kind).toBe('predefined');
    expect(report.models[0].segments.all.users).toBe(459);
    expect(existsSync(path.join(workdir, 'report.html'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(workdir, 'report.json'), 'utf8')).models[0].name).toBe('popularity');
  });

  it('prints the protocol next to the text table', async () => {
    const result = await twostage(['evaluate', ...u1, '--models', 'popularity', '--cutoffs', '5,10']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('protocol: full ranking');
    expect(result.stdout).toMatch(/popularity\s+459\s+0\.\d{4}/);
    expect(result.stdout).toContain('ndcg@5');
  });

  it('rejects --train without --test', async () => {
    const result = await twostage(['evaluate', '--train', sharedPath('data/ml-100k/u1.base')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: --split predefined needs both --train FILE and --test FILE');
  });

  it('rejects an unknown split kind', async () => {
    const result = await twostage(['evaluate', '--split', 'random']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid --split "random"');
  });

  it('rejects an unknown model name', async () => {
    const result = await twostage(['evaluate', ...u1, '--models', 'popularity,nope']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown model "nope": expected one of popularity, svd/);
  });

  it('reports a missing dataset for a temporal split', async () => {
    const result = await twostage(['evaluate', '--split', 'temporal', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim()).error.code).toBe('REC_ERR_DATASET_MISSING');
  });
});
