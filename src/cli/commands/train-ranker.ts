import type { Command } from 'commander';
import { loadDataset } from '../../data/dataset.js';
import { TwostageError } from '../../errors.js';
import { trainRankerStage } from '../../pipeline/ranker-stage.js';
import { ModelRegistry, newVersionId } from '../../registry/registry.js';
import { RANKER_ENCODER_FILE, RANKER_MODEL_FILE } from '../../serving/ranker-loader.js';
import { openArtifactStore, openOfflineStore, openRegistryStore } from '../../store/open.js';
import { action } from '../run.js';

interface TrainRankerOptions {
  promote?: boolean;
  json?: boolean;
}

/**
 * `twostage train ranker [--promote] [--json]`: trains the ranker on the ingested dataset and the
 * feature history (run `twostage ingest` and `twostage features` first) and registers it.
 */
export function registerTrainRankerCommand(parent: Command): void {
  parent
    .command('ranker')
    .description('Train the GBDT ranker from point-in-time features and retrieval candidates, and register it (staging unless --promote)')
    .option('--promote', 'promote the new version to production')
    .option('--json', 'print one JSON object on stdout')
    .action(
      action<TrainRankerOptions>(async (ctx, options) => {
        const offline = await openOfflineStore(ctx.config);
        const artifacts = await openArtifactStore(ctx.config);
        const registryStore = await openRegistryStore(ctx.config);
        try {
          const dataset = await loadDataset(offline);
          const trained = await trainRankerStage(ctx.config, offline, dataset.interactions, dataset.info.feedback, ctx.json);
          if (!trained) {
            throw new TwostageError(
              'REC_ERR_TRAINING_FAILED',
              'no usable ranker rows: the interactions after the time cut have no positives among the retrieval candidates (or nothing but positives); ingest more data',
            );
          }
          const version = newVersionId();
          const key = `models/ranker/${version}`;
          await artifacts.putDirectory(
            key,
            new Map([
              [RANKER_MODEL_FILE, Buffer.from(trained.modelJson)],
              [RANKER_ENCODER_FILE, Buffer.from(`${JSON.stringify(trained.encoder, null, 1)}\n`)],
            ]),
          );
          const registry = new ModelRegistry(registryStore);
          const record = await registry.register({ kind: 'ranker', version, params: { ...trained.params }, metrics: trained.metrics, dataFingerprint: dataset.info.fingerprint, artifactKey: key });
          if (options.promote) await registry.promote('ranker', version);
          const stage = options.promote ? 'production' : record.stage;
          const metrics = Object.entries(trained.metrics)
            .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : value.toFixed(4)}`)
            .join(' ');
          return {
            json: { ok: true, kind: 'ranker', version, stage, objective: trained.params.objective, features: trained.encoder.columns.length, metrics: trained.metrics, artifact_key: key },
            text: `registered ranker ${version} (${stage}): ${String(trained.params.objective)}, ${trained.encoder.columns.length} features, ${metrics}${options.promote ? '' : `\npromote it with: twostage models promote ranker ${version}`}`,
          };
        } finally {
          await registryStore.close();
          await artifacts.close();
          await offline.close();
        }
      }),
    );
}
