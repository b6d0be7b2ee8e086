import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';
import { XgboostRanker } from '../../src/ranking/predict.js';
import { scoreCsv } from '../../src/ranking/score-csv.js';
import { loadXgboostModel } from '../../src/ranking/xgboost-json.js';
import { parseXgboostJson } from '../../src/ranking/xgboost-json.js';

/** A two-feature model: tree 1 splits on `b` (< 1 → −1, else +1, missing → left), tree 2 on `a` (< 0 → 10, else 20, missing → right). */
function twoFeatureRanker(): XgboostRanker {
  const tree = (feature: number, threshold: number, leftValue: number, rightValue: number, defaultLeft: number) => ({
    base_weights: [0, 0, 0], categories: [], categories_nodes: [], categories_segments: [], categories_sizes: [],
    default_left: [defaultLeft, 0, 0], id: 0, left_children: [1, -1, -1], loss_changes: [1, 0, 0], parents: [2147483647, 0, 0],
    right_children: [2, -1, -1], split_conditions: [threshold, leftValue, rightValue], split_indices: [feature, 0, 0],
    split_type: [0, 0, 0], sum_hessian: [2, 1, 1], tree_param: { num_deleted: '0', num_feature: '2', num_nodes: '3', size_leaf_vector: '0' },
  });
  const doc = {
    learner: {
      attributes: {}, feature_names: ['a', 'b'], feature_types: ['float', 'float'],
      gradient_booster: { model: { gbtree_model_param: { num_parallel_tree: '1', num_trees: '2' }, tree_info: [0, 0], trees: [tree(1, 1, -1, 1, 1), tree(0, 0, 10, 20, 0)] }, name: 'gbtree' },
      learner_model_param: { base_score: '0.500000', num_class: '0', num_feature: '2' },
      objective: { name: 'reg:squarederror' },
    },
    version: [1, 7, 4],
  };
  return new XgboostRanker(parseXgboostJson(JSON.stringify(doc), 'two.json'));
}

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'twostage-score-')), name);
  writeFileSync(file, text);
  return file;
}

async function scoreToText(input: string): Promise<string> {
  const chunks: string[] = [];
  const stdout = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) });
  await scoreCsv(twoFeatureRanker(), input, { stdout });
  return chunks.join('');
}

describe('scoreCsv', () => {
  it('extra columns pass through in order', async () => {
    const input = tempFile('in.csv', 'id,b,note,a\nu1,2,"hello, world",-1\nu2,0,x,1\n');
    expect(await scoreToText(input)).toBe('id,b,note,a,prediction\nu1,2,"hello, world",-1,11.5\nu2,0,x,1,19.5\n');
  });

  it('empty and NaN are missing, not zero', async () => {
    const input = tempFile('in.csv', 'a,b\n,\nNaN,NaN\n0,0\n');
    // Missing b goes left (−1), missing a goes right (20); zeros take the comparisons.
    expect(await scoreToText(input)).toBe('a,b,prediction\n,,19.5\nNaN,NaN,19.5\n0,0,19.5\n');
    const zeros = tempFile('in.csv', 'a,b\n-1,5\n,5\n');
    expect(await scoreToText(zeros)).toBe('a,b,prediction\n-1,5,11.5\n,5,21.5\n');
  });

  it('missing required column is named', async () => {
    const input = tempFile('in.csv', 'a,c\n1,2\n');
    await expect(scoreToText(input)).rejects.toThrow(/in\.csv:1: missing required column "b"/);
  });

  it('non-numeric feature value names line and column', async () => {
    const input = tempFile('in.csv', 'a,b\n1,2\n1,two\n');
    await expect(scoreToText(input)).rejects.toThrow(/in\.csv:3: column "b" must be a number, empty or NaN, got "two"/);
  });

  it('short row is rejected', async () => {
    const input = tempFile('in.csv', 'a,b,c\n1,2\n');
    await expect(scoreToText(input)).rejects.toThrow(/in\.csv:2: expected 3 fields as in the header, got 2/);
  });

  it('tab-separated input keeps tabs', async () => {
    const input = tempFile('in.tsv', 'a\tb\tname\n1\t2\tx,y\n');
    expect(await scoreToText(input)).toBe('a\tb\tname\tprediction\n1\t2\tx,y\t21.5\n');
  });

  it('existing prediction column is overwritten', async () => {
    const input = tempFile('in.csv', 'prediction,a,b\n7,1,2\n');
    expect(await scoreToText(input)).toBe('prediction,a,b\n21.5,1,2\n');
  });

  it('output file is complete or absent', async () => {
    const input = tempFile('in.csv', 'a,b\n1,2\n1,bad\n');
    const output = path.join(path.dirname(input), 'out.csv');
    await expect(scoreCsv(twoFeatureRanker(), input, { output })).rejects.toThrow(/must be a number/);
    expect(existsSync(output)).toBe(false);
  });

  it('reference model scores the reference rows', async () => {
    const ranker = new XgboostRanker(await loadXgboostModel(sharedPath('peers', 'model.json')));
    const output = path.join(mkdtempSync(path.join(tmpdir(), 'twostage-score-')), 'scored.csv');
    const result = await scoreCsv(ranker, sharedPath('peers', 'u1_test_features.csv'), { output });
    expect(result.rows).toBe(20_000);
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    const [expected, actual] = [header.indexOf('pred_reg'), header.indexOf('prediction')];
    let worst = 0;
    for (const line of lines.slice(1)) {
      const fields = line.split(',');
      worst = Math.max(worst, Math.abs(Number(fields[expected]) - Number(fields[actual])));
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

const cli = path.join(REPO_ROOT, 'dist/src/cli/main.js');
describe.skipIf(!existsSync(cli))(`twostage ranker predict${existsSync(cli) ? '' : ' (skipped: run npm run build first)'}`, () => {
  it('--json prints predictions', () => {
    const input = tempFile('in.csv', 'a,b\n1,2\n');
    const run = spawnSync(process.execPath, [cli, 'ranker', 'predict', '--model', sharedPath('cases', 'B19', 'constant_ranker.json'), '--input', input, '--json'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error: .*missing required column "mf_score"/);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'REC_ERR_INPUT_INVALID' } });

    const good = tempFile('in.csv', 'item_id,mf_score\nPX1,4.2\nPX2,\n');
    const ok = spawnSync(process.execPath, [cli, 'ranker', 'predict', '--model', sharedPath('cases', 'B19', 'constant_ranker.json'), '--input', good, '--json'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, rows: 2, predictions: [0.5, 0.5], objective: 'rank:ndcg' });
  });
});
