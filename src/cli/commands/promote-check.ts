import type { Config } from '../../config/load.js';
import { ModelError } from '../../errors.js';
import type { ModelRegistry } from '../../registry/registry.js';
import { bundleKey } from '../../registry/retrieval-bundle.js';
import type { ModelKind } from '../../registry/types.js';
import { loadRankerVersion } from '../../serving/ranker-loader.js';
import { loadRetrievalVersion } from '../../serving/retrieval-loader.js';
import { openArtifactStore } from '../../store/open.js';

/** Hint for a retrieval version without a bundle manifest, such as an SVD model written by an older release. */
const NO_BUNDLE_HINT =
  'the version has no retrieval bundle, which serving needs; ' +
  'retrain it with `twostage train retrieval` or `twostage pipeline` and promote the new version';

/**
 * Loads a version's artifacts with the loaders serving uses and throws REC_ERR_MODEL_INVALID,
 * naming the version and the reason, when they do not load. Runs before any stage changes, so a
 * version the API cannot serve never becomes production.
 */
export async function assertVersionLoads(
  config: Config,
  registry: ModelRegistry,
  kind: ModelKind,
  version: string,
  operation: 'promote' | 'roll back to' = 'promote',
): Promise<void> {
  const record = await registry.get(kind, version);
  const artifacts = await openArtifactStore(config);
  try {
    if (kind === 'retrieval') await loadRetrievalVersion(artifacts, record, config.MAX_TOP_K);
    else await loadRankerVersion(artifacts, record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const noBundle = kind === 'retrieval' && !(await artifacts.exists(bundleKey(record.artifactKey)).catch(() => false));
    throw new ModelError(
      'REC_ERR_MODEL_INVALID',
      `cannot ${operation} ${kind} version ${version}: its artifacts under ${record.artifactKey} do not load (${reason})` +
        (noBundle ? `; ${NO_BUNDLE_HINT}` : '') +
        '; no stage was changed',
    );
  } finally {
    await artifacts.close();
  }
}
