import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const { ok, versions } = JSON.parse(listed.stdout);
    expect(ok).toBe(true);
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

  it('trims --user as ingest and the API do', async () => {
    const plain = await twostage(workdir, ['recommend', '--user', 'UX0001', '--stage', 'full', '--top-k', '3', '--json']);
    const padded = await twostage(workdir, ['recommend', '--user', ' UX0001 ', '--stage', 'full', '--top-k', '3', '--json']);
    expect(padded.code, padded.stderr).toBe(0);
    const body = JSON.parse(padded.stdout);
    expect(body.user_id).toBe('UX0001');
    expect(body.recommendations).toEqual(JSON.parse(plain.stdout).recommendations);
  });

  it.each([[''], ['   ']])('rejects the blank --user %j', async (user) => {
    const result = await twostage(workdir, ['recommend', '--user', user, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: --user must be a non-empty string with at least one non-space character\n');
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { code: 'REC_ERR_REQUEST_INVALID', message: '--user must be a non-empty string with at least one non-space character' },
    });
  });

  it('rejects a --user longer than MAX_USER_ID_LENGTH, as the API does', async () => {
    const result = await twostage(workdir, ['recommend', '--user', 'U'.repeat(257), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: --user is 257 characters long: at most MAX_USER_ID_LENGTH (256)\n');
  });

  it('counts --user characters as code points, as the API does', async () => {
    // 200 emoji are 400 UTF-16 units but 200 characters: within the limit, so the id is looked up.
    const result = await twostage(workdir, ['recommend', '--user', '\u{1F600}'.repeat(200), '--stage', 'full', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).user_id).toBe('\u{1F600}'.repeat(200));
  });

  it('reports an invalid --port in one sentence', async () => {
    const result = await twostage(workdir, ['serve', '--port', 'abc']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: invalid value "abc" for --port: expected an integer from 0 to 65535\n');
  });
});

describe('pipeline ingest options', () => {
  let workdir: string;
  let reviews: string[];

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`missing ${CLI}: run npm run build first`);
    workdir = mkdtempSync(path.join(tmpdir(), 'twostage-cli-'));
    reviews = readFileSync(sharedPath('cases', 'B01', 'reviews.jsonl'), 'utf8').trim().split('\n');
  });

  afterAll(() => {
    rmSync(workdir, { recursive: true, force: true });
  });

  it('takes a generic CSV with the column flags of ingest', async () => {
    const rows = reviews.map((line) => JSON.parse(line) as { user_id: string; parent_asin: string; rating: number; timestamp: number });
    const csv = path.join(workdir, 'events.csv');
    writeFileSync(csv, ['user,item,stars,ts', ...rows.map((r) => `${r.user_id},${r.parent_asin},${r.rating},${r.timestamp}`)].join('\n'));
    const args = ['--user-col', 'user', '--item-col', 'item', '--rating-col', 'stars', '--time-col', 'ts', '--time-unit', 'ms', '--json'];
    const result = await twostage(workdir, ['pipeline', csv, '--format', 'csv', ...args]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.ok).toBe(true);
    expect(summary.dataset).toMatchObject({ format: 'csv', feedback: 'explicit', users: 5, interactions: rows.length, badLines: 0 });
    expect(summary.promoted).toHaveLength(2);
  }, 300_000);

  it('skips a malformed line with --on-bad-line skip', async () => {
    const file = path.join(workdir, 'reviews.jsonl');
    writeFileSync(file, [...reviews.slice(0, 3), '{"rating": 4.0, "user_id": ', ...reviews.slice(3)].join('\n'));
    const strict = await twostage(workdir, ['pipeline', file, '--json']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/reviews\.jsonl:4: .*\(use --on-bad-line skip/);

    const skipped = await twostage(workdir, ['pipeline', file, '--on-bad-line', 'skip', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    const summary = JSON.parse(skipped.stdout);
    expect(summary.dataset).toMatchObject({ users: 5, interactions: reviews.length, badLines: 1 });
  }, 300_000);
});
