import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { detectInputs } from '../../src/data/detect.js';
import { sharedPath } from '../helpers/shared.js';
import { openTempStore } from './store.js';

let env: Awaited<ReturnType<typeof openTempStore>>;
beforeEach(async () => {
  env = await openTempStore();
});
afterEach(async () => {
  await env.cleanup();
});

const roles = async (paths: string[], options = {}) => (await detectInputs(paths, options)).map((d) => `${d.format}/${d.layout}/${d.role}`);

describe('format detection', () => {
  it('detects every shared dataset from its content or name', async () => {
    expect(await roles([sharedPath('data/ml-100k')])).toEqual(['movielens/u.data/interactions', 'movielens/u.item/items', 'movielens/u.user/users']);
    expect(await roles([sharedPath('data/ml-100k/u1.base')])).toEqual(['movielens/u.data/interactions']);
    expect(await roles([sharedPath('data/amazon-subscription-boxes')])).toEqual(['amazon2023/reviews/interactions', 'amazon2023/meta/items']);
    expect(await roles([sharedPath('data/amazon-all-beauty/2023-benchmark-5core-rating_only/All_Beauty.csv')])).toEqual([
      'amazon2023-csv/benchmark csv/interactions',
    ]);
    expect(await roles([sharedPath('data/amazon-all-beauty/2023-benchmark-5core-last_out_w_his/All_Beauty.train.csv')])).toEqual([
      'amazon2023-csv/benchmark csv/interactions',
    ]);
    expect(await roles([sharedPath('data/amazon-all-beauty/2018-5core/All_Beauty_5.json.gz')])).toEqual(['amazon2018/reviews/interactions']);
    expect(await roles([sharedPath('data/uci-online-retail/online_retail.csv.gz')])).toEqual(['online-retail/invoice lines/interactions']);
  });

  it('rejects a --format that contradicts the file', async () => {
    await expect(detectInputs([sharedPath('data/ml-100k/u.data')], { format: 'amazon2023' })).rejects.toThrow(
      /u\.data: the file looks like movielens \(u\.data\), not amazon2023; check --format/,
    );
  });

  it('rejects mixed formats', async () => {
    await expect(detectInputs([sharedPath('data/ml-100k/u.data'), sharedPath('cases/B14/reviews.jsonl')])).rejects.toThrow(/the inputs mix formats/);
  });

  it('names expected columns under --format', async () => {
    const file = path.join(env.dir, 'no-timestamp.csv');
    writeFileSync(file, 'user_id,parent_asin,rating\nU1,P1,5.0\n');
    await expect(detectInputs([file], { format: 'amazon2023-csv' })).rejects.toThrow(
      /no-timestamp\.csv: the first line "user_id,parent_asin,rating" does not match the amazon2023-csv format, which expects the header user_id,parent_asin,rating,timestamp/,
    );
  });

  it('asks for --format on an unknown file', async () => {
    const file = path.join(env.dir, 'mystery.csv');
    writeFileSync(file, 'a,b,c\n1,2,3\n');
    await expect(detectInputs([file])).rejects.toThrow(/mystery\.csv: cannot detect the format .*"a,b,c".*pass --format/);
  });

  it('needs an interaction file', async () => {
    await expect(detectInputs([sharedPath('cases/B14/meta.jsonl')])).rejects.toThrow(/no interaction file among .*meta\.jsonl/);
  });

  it('reports a missing path and an unknown folder', async () => {
    await expect(detectInputs([path.join(env.dir, 'nope.jsonl')])).rejects.toMatchObject({ code: 'REC_ERR_INPUT_NOT_FOUND' });
    mkdirSync(path.join(env.dir, 'empty'));
    await expect(detectInputs([path.join(env.dir, 'empty')])).rejects.toThrow(/cannot find a dataset in folder/);
  });
});
