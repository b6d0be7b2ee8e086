import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedStores } from '../../bench/serving.bench.js';
import { loadConfig } from '../../src/config/load.js';
import { RANKER_MODEL_FILE } from '../../src/serving/ranker-loader.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { constantRankerJson } from './fixture.js';

const cli = path.join(REPO_ROOT, 'dist/src/cli/main.js');
let dir: string | undefined;
let serve: ChildProcess | undefined;

afterEach(() => {
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  serve = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Resolves with the API URL from the `twostage serve` start line, and the whole line. */
function listeningLine(child: ChildProcess): Promise<{ url: string; line: string }> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /twostage API listening on (http:\/\/[^\s]+) .*\n/.exec(stderr);
      if (match) resolve({ url: match[1], line: match[0] });
    });
    child.once('exit', (code) => reject(new Error(`twostage serve exited with code ${code}: ${stderr}`)));
  });
}

describe.skipIf(!existsSync(cli))(`SERVE_WORKERS${existsSync(cli) ? '' : ' (skipped: run npm run build first)'}`, () => {
  it('serves from two workers and stops on SIGTERM', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-workers-'));
    const env = { ...process.env, WORKDIR: dir, LOG_LEVEL: 'warn', SERVE_WORKERS: '2', MODEL_POLL_MS: '60000' };
    await seedStores(loadConfig({ cwd: dir, env }).config, new Map([[RANKER_MODEL_FILE, Buffer.from(constantRankerJson())]]));

    serve = spawn(process.execPath, [cli, 'serve', '--port', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const { url, line } = await listeningLine(serve);
    expect(line).toContain('2 worker processes');

    // A new connection per request, so the primary hands them to both workers.
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${url}/recommendations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ user_id: ' U00007 ', top_k: 3 }),
      });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.user_id).toBe('U00007');
      expect(body.num_recommendations).toBe(3);
      expect(body.served_path).toBe('precomputed');
    }
    const health = await fetch(`${url}/health`, { headers: { connection: 'close' } });
    expect(health.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => serve?.once('exit', (code) => resolve(code)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  }, 60_000);

  it('prints one JSON object with --json once listening', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'twostage-serve-json-'));
    const env = { ...process.env, WORKDIR: dir, LOG_LEVEL: 'warn', SERVE_WORKERS: '1', MODEL_POLL_MS: '60000' };
    await seedStores(loadConfig({ cwd: dir, env }).config, new Map([[RANKER_MODEL_FILE, Buffer.from(constantRankerJson())]]));

    serve = spawn(process.execPath, [cli, 'serve', '--port', '0', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const firstLine = await new Promise<string>((resolve, reject) => {
      serve?.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      serve?.once('exit', (code) => reject(new Error(`twostage serve exited with code ${code}`)));
    });
    const object = JSON.parse(firstLine);
    expect(object.ok).toBe(true);
    expect(object.workers).toBe(1);
    expect(object.docs).toBe(`${object.url}/docs`);
    expect((await fetch(`${object.url}/health/live`)).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => serve?.once('exit', (code) => resolve(code)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
