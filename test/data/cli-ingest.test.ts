import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');

/** Runs the built CLI in a fresh WORKDIR; resolves with stdout, stderr and the exit code. */
async function twostage(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const workdir = mkdtempSync(path.join(tmpdir(), 'twostage-cli-'));
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { env: { ...process.env, WORKDIR: workdir, LOG_LEVEL: 'warn' }, cwd: workdir });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

describe.skipIf(!existsSync(CLI))('twostage ingest', () => {
  it('prints one JSON summary with --json', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B14/reviews.jsonl'), sharedPath('cases/B14/meta.jsonl'), '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(summary).toMatchObject({ ok: true, format: 'amazon2023', feedback: 'explicit', users: 3, items: 5, interactions: 6, ratings: 5, ratingScale: [1, 5] });
    expect(summary.dropped).toEqual({ exact_duplicate: 1, repeat_interaction: 2 });
    expect(summary.timeRange).toMatchObject({ firstMs: 1_580_000_000_000, lastMs: 1_589_500_000_000 });
  });

  it('prints the text summary', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B14/reviews.jsonl')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^users\s+3$/m);
    expect(result.stdout).toMatch(/^dropped\s+exact_duplicate 1, repeat_interaction 2$/m);
  });

  it('fails with one error line and a JSON error', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B16/meta_malformed.jsonl'), sharedPath('cases/B14/reviews.jsonl'), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    const output = JSON.parse(result.stdout.trim()) as { ok: boolean; error: { code: string; message: string } };
    expect(output.ok).toBe(false);
    expect(output.error.code).toBe('REC_ERR_INPUT_INVALID');
    expect(output.error.message).toMatch(/meta_malformed\.jsonl:2: invalid JSON/);
  });

  it('skips bad lines with --on-bad-line skip', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B16/meta_malformed.jsonl'), sharedPath('cases/B14/reviews.jsonl'), '--on-bad-line', 'skip', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { badLines: { total: number; first: { line: number }[] } };
    expect(summary.badLines.total).toBe(2);
    expect(summary.badLines.first.map((b) => b.line)).toEqual([2, 3]);
  });

  it('rejects column flags with another format', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B14/reviews.jsonl'), '--format', 'amazon2023', '--user-col', 'u']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --user-col, --item-col and the other column flags apply to --format csv only/m);
  });

  it('rejects --rating-scale without --rating-col', async () => {
    const result = await twostage(['ingest', sharedPath('cases/B14/reviews.jsonl'), '--user-col', 'u', '--item-col', 'i', '--rating-scale', '1:5']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --rating-scale needs --rating-col$/m);
  });

  it('names a missing mapped column', async () => {
    const result = await twostage(['ingest', sharedPath('data/ml-100k/u.data'), '--format', 'csv', '--user-col', 'x', '--item-col', 'y', '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/column "x" \(--user-col\) is not in the header/);
  });
});
