import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { buildDatasetInfo, buildInteractions } from '../../src/data/dataset.js';
import type { EvaluationModel, FitContext } from '../../src/eval/model-types.js';
import { popularityModel } from '../../src/eval/models/popularity.js';
import { runEvaluation } from '../../src/eval/run-evaluation.js';
import { formatReportSummary } from '../../src/eval/summary.js';
import { createLogger, setLogger } from '../../src/log.js';
import { sharedPath } from '../helpers/shared.js';

const DAY = 86_400_000;
const workdir = mkdtempSync(path.join(tmpdir(), 'twostage-eval-'));
const log = createLogger('silent');
setLogger(log);
const { config } = loadConfig({ env: { WORKDIR: workdir, LOG_LEVEL: 'silent' }, cwd: workdir });

/** Six users, eight items, events on days 1-20; item i is liked by users in a fixed pattern. */
function smallDataset() {
  const rows = [];
  for (let u = 0; u < 6; u++) {
    for (let i = 0; i < 8; i++) {
      if ((u + i) % 3 === 0 || i < 2) rows.push({ user: `u${u}`, item: `i${i}`, rating: 1 + ((u * i) % 5), timestamp: (1 + ((u * 7 + i * 3) % 20)) * DAY });
    }
  }
  return { info: buildDatasetInfo([1, 5]), interactions: buildInteractions(rows) };
}

/** Records the context it was trained with and scores items by index. */
function recordingModel(seen: FitContext[]): EvaluationModel {
  return {
    name: 'recorder',
    description: 'scores items by descending index',
    async fit(context) {
      seen.push(context);
      return {
        scoreUser: (_user, out) => out.forEach((_, i) => (out[i] = -i)),
        trainingLoss: { name: 'made-up loss', points: [{ step: 1, loss: 2 }, { step: 2, loss: 1 }] },
      };
    },
  };
}

describe('runEvaluation', () => {
  it('trains models on events before the cut only', async () => {
    const seen: FitContext[] = [];
    const dataset = smallDataset();
    const report = await runEvaluation({ config, log, dataset, split: { kind: 'temporal', cutTime: 12 * DAY }, models: [recordingModel(seen)], outputDir: null, cutoffs: [1, 3] });
    expect(report.models[0].status).toBe('ok');
    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0])).not.toContain('test');
    for (const t of seen[0].train.timestamp) expect(t).toBeLessThan(12 * DAY);
    for (const t of seen[0].scoringTime) expect(t).toBe(12 * DAY);
  });

  it('gives the same model whatever the test period holds', async () => {
    const dataset = smallDataset();
    const changed = smallDataset();
    // Reverse the items of every test-period event: only held-out data differs.
    const { item, timestamp } = changed.interactions;
    for (let j = 0; j < item.length; j++) if (timestamp[j] >= 12 * DAY) item[j] = 7 - item[j];
    const scores = async (d: typeof dataset) => {
      const seen: FitContext[] = [];
      await runEvaluation({ config, log, dataset: d, split: { kind: 'temporal', cutTime: 12 * DAY }, models: [recordingModel(seen)], outputDir: null, cutoffs: [1] });
      const fitted = await popularityModel.fit(seen[0]);
      const out = new Float32Array(seen[0].train.itemIds.length);
      fitted.scoreUser(0, out);
      return { ids: seen[0].train.itemIds, out: Array.from(out) };
    };
    expect(await scores(changed)).toEqual(await scores(dataset));
  });

  it('reports a failing model and keeps the others', async () => {
    const failing: EvaluationModel = { name: 'broken', description: 'throws', fit: async () => Promise.reject(new Error('no factors')) };
    const report = await runEvaluation({ config, log, dataset: smallDataset(), models: [failing, popularityModel], outputDir: null, cutoffs: [1] });
    expect(report.models[0].status).toBe('failed');
    expect(report.models[0].error).toBe('no factors');
    expect(report.models[1].status).toBe('ok');
    expect(formatReportSummary(report)).toContain('failed: broken: no factors');
    expect(formatReportSummary(report)).toMatch(/^broken\s+–/m);
  });

  it('writes a self-contained report with one svg per chart', async () => {
    const output = path.join(workdir, 'report-test');
    const report = await runEvaluation({
      config,
      log,
      dataset: smallDataset(),
      split: { kind: 'leave-last-out', count: 2 },
      models: [popularityModel, recordingModel([])],
      outputDir: output,
      cutoffs: [1, 3],
      warmThreshold: 4,
    });
    const html = readFileSync(path.join(output, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(4);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img/);
    expect(html).toContain('full ranking');
    expect(html).toContain('per-user leave-last-2-out');

    const json = JSON.parse(readFileSync(path.join(output, 'report.json'), 'utf8'));
    expect(json.models.map((m: { name: string }) => m.name)).toEqual(['popularity', 'recorder']);
    expect(json.models[0].segments.all.mean['recall@3']).toBeCloseTo(report.models[0].segments.all!.mean['recall@3'], 12);
    expect(json.files.html).toBe(path.join(output, 'report.html'));
  });

  it('matches the reference popularity figures on MovieLens u1', async () => {
    const report = await runEvaluation({
      config,
      log,
      split: { kind: 'predefined', trainFile: sharedPath('data/ml-100k/u1.base'), testFile: sharedPath('data/ml-100k/u1.test') },
      models: [popularityModel],
      outputDir: null,
    });
    const all = report.models[0].segments.all!;
    // Reference: Recall@10 0.097, NDCG@10 0.325, Recall@100 0.402 over 459 users.
    expect(all.users).toBe(459);
    expect(all.mean['recall@10']).toBeCloseTo(0.097, 2);
    expect(all.mean['ndcg@10']).toBeCloseTo(0.325, 3);
    expect(all.mean['recall@100']).toBeCloseTo(0.402, 3);
  });
});
