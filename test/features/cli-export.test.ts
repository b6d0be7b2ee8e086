import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const LABELS = () => sharedPath('cases', 'B11', 'labels.csv');

describe.skipIf(!existsSync(CLI))('twostage features export', () => {
  let workdir: string;

  async function twostage(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { env: { ...process.env, WORKDIR: path.join(workdir, 'state'), LOG_LEVEL: 'warn' }, cwd: workdir });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  }

  beforeAll(async () => {
    workdir = mkdtempSync(path.join(tmpdir(), 'twostage-features-'));
    const ingest = await twostage(['ingest', sharedPath('cases', 'B11', 'reviews.jsonl'), sharedPath('cases', 'B11', 'meta.jsonl'), '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('fails before a dataset is ingested', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'twostage-features-empty-'));
    try {
      const { stdout, code } = await run('node', [CLI, 'features', '--json'], { env: { ...process.env, WORKDIR: empty } }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout: string; code: number }) => e,
      );
      expect(code).toBe(1);
      expect(JSON.parse(stdout).error.code).toBe('REC_ERR_DATASET_MISSING');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects an export before features are computed', async () => {
    const result = await twostage(['features', 'export', '--rows', LABELS(), '--output', path.join(workdir, 'early.csv'), '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('REC_ERR_FEATURES_MISSING');
    expect(result.stderr).toMatch(/run twostage features first/);
  }, 60_000);

  it('computes features and reports the snapshot features', async () => {
    const result = await twostage(['features', '--price-history', sharedPath('cases', 'B11', 'item_price_history.csv'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { ok: boolean; groups: { group: string; storedRecords: number; onlineEntities: number }[]; snapshotFeatures: string[] };
    expect(summary.ok).toBe(true);
    expect(summary.snapshotFeatures).toEqual(['item_snapshot_average_rating', 'item_snapshot_rating_number', 'item_snapshot_price']);
    expect(summary.groups.find((g) => g.group === 'item_price')).toMatchObject({ storedRecords: 2, onlineEntities: 1 });

    const again = await twostage(['features']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^item_stats\s+1\s+item\s+interactions\s+7\s+0\s+0\s+2$/m);
    expect(again.stdout).toMatch(/snapshot features excluded from training/);
  }, 60_000);

  it('writes the leak case as CSV with the expected values', async () => {
    const output = path.join(workdir, 'train.csv');
    const result = await twostage(['features', 'export', '--rows', LABELS(), '--output', output, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, rows: 1, format: 'csv', timestampColumn: 'event_ts' });

    const [header, row] = readFileSync(output, 'utf8').trim().split('\n');
    const columns = header.split(',');
    expect(columns.slice(0, 5)).toEqual(['label_id', 'user_id', 'item_id', 'event_ts', 'label']);
    expect(columns).not.toContain('item_snapshot_price');
    const cells = row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
    const value = (name: string) => cells[columns.indexOf(name)];
    expect(value('label_id')).toBe('L1');
    expect(value('event_ts')).toBe('1590000000000');
    expect(value('item_rating_count')).toBe('2');
    expect(value('item_rating_mean')).toBe('3');
    expect(value('user_rating_count')).toBe('1');
    expect(value('user_rating_mean')).toBe('4');
    expect(value('item_price')).toBe('19.99');
    expect(value('item_categories')).toBe('"[""Testing""]"');
  }, 60_000);

  it('writes Parquet with typed columns and nulls for unknown entities', async () => {
    const rows = path.join(workdir, 'rows.csv');
    writeFileSync(rows, 'user_id,item_id,timestamp,note\nUX1103,PX1101,1590000000000,"a, b"\nNOBODY,NOTHING,1590000000000,x\n');
    const output = path.join(workdir, 'train.parquet');
    const result = await twostage(['features', 'export', '--rows', rows, '--output', output]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wrote 2 rows/);

    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    const types = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${output}'`)).getRowsJS().map((r) => [r[0], r[1]]);
    expect(types).toContainEqual(['timestamp', 'BIGINT']);
    expect(types).toContainEqual(['note', 'VARCHAR']);
    expect(types).toContainEqual(['item_rating_mean', 'DOUBLE']);
    expect(types).toContainEqual(['item_categories', 'VARCHAR[]']);
    const data = (await connection.runAndReadAll(`SELECT note, item_rating_count, item_price, item_categories, user_rating_mean FROM '${output}'`)).getRowsJS();
    expect(data[0]).toEqual(['a, b', 2, 19.99, ['Testing'], 4]);
    expect(data[1]).toEqual(['x', null, null, null, null]);
    connection.closeSync();
  }, 60_000);

  it('names the file and line of a bad timestamp', async () => {
    const rows = path.join(workdir, 'bad-time.csv');
    writeFileSync(rows, 'user_id,item_id,timestamp\nUX1103,PX1101,1590000000000\nUX1103,PX1101,yesterday\n');
    const result = await twostage(['features', 'export', '--rows', rows, '--output', path.join(workdir, 'bad.csv'), '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatchObject({ code: 'REC_ERR_INPUT_INVALID' });
    expect(result.stderr).toContain(`error: ${rows}:3: invalid timestamp "yesterday" in column timestamp`);
    expect(existsSync(path.join(workdir, 'bad.csv'))).toBe(false);
  }, 60_000);

  it('names a missing column', async () => {
    const rows = path.join(workdir, 'no-item.csv');
    writeFileSync(rows, 'user_id,timestamp\nUX1103,1590000000000\n');
    const result = await twostage(['features', 'export', '--rows', rows, '--output', path.join(workdir, 'x.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${rows}:1: missing column item_id in the header (found: user_id, timestamp)`);

    const noTime = path.join(workdir, 'no-time.csv');
    writeFileSync(noTime, 'user_id,item_id,when\nUX1103,PX1101,1590000000000\n');
    const timeResult = await twostage(['features', 'export', '--rows', noTime, '--output', path.join(workdir, 'x.csv')]);
    expect(timeResult.stderr).toMatch(/missing timestamp column: expected one of timestamp, event_ts, event_time, ts or a name given with --time-col/);
    const named = await twostage(['features', 'export', '--rows', noTime, '--output', path.join(workdir, 'x.csv'), '--time-col', 'when']);
    expect(named.code, named.stderr).toBe(0);
  }, 60_000);

  it('rejects an unsupported output extension', async () => {
    const result = await twostage(['features', 'export', '--rows', LABELS(), '--output', path.join(workdir, 'out.xlsx')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/extension must be \.csv or \.parquet/);
  }, 60_000);
});
