import { parseXgboostJson } from '../ranking/xgboost-json.js';
import { XgboostRanker } from '../ranking/predict.js';
import type { ArtifactStore, ModelVersionRecord } from '../store/types.js';
import { ByNameEncoder, parseEncoderSpec } from './encoder.js';
import type { LoadedRanker } from './types.js';

/** File names of a ranker version in the artifact store. */
export const RANKER_MODEL_FILE = 'model.json';
export const RANKER_ENCODER_FILE = 'encoder.json';

/**
 * Loads a ranker version: the XGBoost JSON model and, when present, the encoder saved beside it.
 * Without an encoder every feature is read as a numeric value of the same name, which suits a
 * model trained elsewhere on the exported training table.
 */
export async function loadRankerVersion(artifacts: ArtifactStore, record: ModelVersionRecord): Promise<LoadedRanker> {
  const source = `${artifacts.url}/${record.artifactKey}`;
  const text = (await artifacts.getFile(record.artifactKey, RANKER_MODEL_FILE)).toString('utf8');
  const ranker = new XgboostRanker(parseXgboostJson(text, `${source}/${RANKER_MODEL_FILE}`));

  const files = await artifacts.listFiles(record.artifactKey);
  let encoder: ByNameEncoder;
  if (files.includes(RANKER_ENCODER_FILE)) {
    const encoderText = (await artifacts.getFile(record.artifactKey, RANKER_ENCODER_FILE)).toString('utf8');
    encoder = new ByNameEncoder(parseEncoderSpec(encoderText, ranker.featureNames, `${source}/${RANKER_ENCODER_FILE}`));
  } else {
    encoder = ByNameEncoder.numeric(ranker.featureNames);
  }
  return { version: record.version, ranker, encoder, objective: ranker.objective };
}
