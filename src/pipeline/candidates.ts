import type { Interactions } from '../data/types.js';
import { startProgress } from '../progress.js';
import type { MergedRetriever } from '../retrieval/merge-retriever.js';
import type { CandidateList, CandidateStore } from '../store/types.js';
import { itemsByUser } from './interactions.js';

const WRITE_BATCH_USERS = 1_000;

/**
 * Writes every user's merged candidates (history excluded) under a new candidate version and
 * commits it; the version is not served until the registry activates it. On any error the
 * partial version is deleted. Returns the number of users written.
 */
export async function precomputeCandidates(store: CandidateStore, version: string, interactions: Interactions, retriever: Pick<MergedRetriever, 'retrieve'>, quiet: boolean): Promise<number> {
  const history = itemsByUser(interactions);
  const writer = await store.beginVersion(version);
  const progress = startProgress({ label: 'candidates', total: interactions.userIds.length, unit: 'users', quiet });
  try {
    let batch: CandidateList[] = [];
    for (let u = 0; u < interactions.userIds.length; u++) {
      const userId = interactions.userIds[u];
      batch.push({ userId, items: retriever.retrieve({ userId, seenItemIds: history[u] }).candidates });
      if (batch.length === WRITE_BATCH_USERS) {
        await writer.write(batch);
        batch = [];
        progress.update(u + 1);
      }
    }
    if (batch.length > 0) await writer.write(batch);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  progress.finish();
  return interactions.userIds.length;
}
