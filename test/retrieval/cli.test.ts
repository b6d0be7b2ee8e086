import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

// The commands run from the build, which `npm test` makes first.
const cli = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const workdir = mkdtempSync(path.join(tmpdir(), 'twostage-retrieval-cli-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function runJson(args: string[]): Record<string, unknown> {
  const result = run([...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe.skipIf(!existsSync(cli))('retrieval commands', () => {
  it('train, candidates and recommend keep their output contract', () => {
    execFileSync(process.execPath, [cli, 'ingest', sharedPath('cases/B19/reviews.jsonl'), sharedPath('cases/B19/meta.jsonl'), '--json'], {
      env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });

    const trained = runJson(['train', 'retrieval', '--algorithm', 'svd', '--factors', '3', '--seed', '7']);
    expect(trained.ok).toBe(true);
    expect(trained.model_version).toMatch(/^svd-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect((trained.hyperparameters as Record<string, unknown>).n_factors).toBe(3);
    expect((trained.hyperparameters as Record<string, unknown>).random_state).toBe(7);

    const candidates = runJson(['candidates']);
    expect(candidates.model_version).toBe(trained.model_version);
    expect(candidates.activated).toBe(true);

    const recommended = runJson(['recommend', '--user', 'UX1901', '--stage', 'retrieval', '--top-k', '2']);
    expect(recommended.user_id).toBe('UX1901');
    expect(recommended.source).toBe('candidate_store');
    const items = recommended.recommendations as { parent_asin: string; score: number }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(2);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['parent_asin', 'score']);
  });

  it('rejects invalid flags with one error line', () => {
    const result = run(['train', 'retrieval', '--factors', '0']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('error: invalid value "0" for --factors: expected an integer from 1 to 4096');
    const stage = run(['recommend', '--user', 'x', '--stage', 'middle']);
    expect(stage.status).toBe(1);
    expect(stage.stderr.trim()).toBe('error: invalid --stage "middle": expected retrieval or full');
  });
});
