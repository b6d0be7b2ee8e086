import type { Candidate } from '../store/types.js';
import { mergeCandidates, type ScoredItem, type SourceCandidates, type SourceQuota } from './merge.js';
import { itemIdTieRank, topKIndices } from './merge-top.js';
import type { RetrievalModel } from './types.js';

/** A source that can also score a user from a history given at request time (fold-in, item-item). */
export interface HistoryScoring {
  /** Writes scores for a user known only by a history of item indices (with optional values); returns false when it cannot. */
  scoreHistory(itemIndices: Int32Array, values: Float32Array | null, out: Float32Array): boolean;
}

export interface MergeSource {
  readonly model: RetrievalModel;
  /** Fold-in or history scoring for users the model was not trained on; optional. */
  readonly history?: HistoryScoring;
  readonly quota: number;
}

/** Input of the merge step for one user: a raw id, plus the items to exclude and to score from. */
export interface MergeUser {
  readonly userId: string;
  /** Raw item ids the user already interacted with: excluded from every list, and the history for fold-in. */
  readonly seenItemIds?: readonly string[];
  /** Values of `seenItemIds` (for example quantities), same length; 1 each when absent. */
  readonly seenValues?: readonly number[];
}

/** Path a source took to produce a user's list. */
export type SourcePath = 'trained' | 'history' | 'unknown';

/**
 * Retrieves and merges candidates from several sources for one user at a time. Each source ranks
 * items for the user (its trained state; else its history scoring from the seen items; else its
 * unknown-user order, the same for every unknown user), drops seen items and NaN scores, and
 * keeps its top `count` items, so an item chosen through one source still gets the ranks the
 * others gave it. The lists are then merged by mergeCandidates.
 */
export class MergedRetriever {
  private readonly quotas: SourceQuota[];
  private readonly tieRanks: Int32Array[];
  private readonly scoreBuffers: Float32Array[];
  private readonly topBuffer: Int32Array;

  constructor(
    private readonly sources: readonly MergeSource[],
    readonly count: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`candidate count must be a positive integer, got ${count}`);
    if (sources.length === 0) throw new RangeError('the merge needs at least one source');
    this.quotas = sources.map((s) => ({ source: s.model.kind, quota: s.quota }));
    this.tieRanks = sources.map((s) => itemIdTieRank(s.model.itemIds));
    this.scoreBuffers = sources.map((s) => new Float32Array(s.model.itemIds.length));
    this.topBuffer = new Int32Array(count);
  }

  /** Merged candidates of one user, with the path each source took. */
  retrieve(user: MergeUser): { candidates: Candidate[]; paths: Record<string, SourcePath> } {
    const lists: SourceCandidates[] = [];
    const paths: Record<string, SourcePath> = {};
    for (let s = 0; s < this.sources.length; s++) {
      const { list, path } = this.sourceList(s, user);
      lists.push(list);
      paths[list.source] = path;
    }
    return { candidates: mergeCandidates(lists, this.quotas, this.count), paths };
  }

  private sourceList(s: number, user: MergeUser): { list: SourceCandidates; path: SourcePath } {
    const { model, history } = this.sources[s];
    const scores = this.scoreBuffers[s];
    const seen = user.seenItemIds ?? [];
    const excluded = new Uint8Array(model.itemIds.length);
    const seenIndices: number[] = [];
    const seenValues: number[] = [];
    for (let k = 0; k < seen.length; k++) {
      const i = model.itemIndex(seen[k]);
      if (i < 0) continue;
      excluded[i] = 1;
      seenIndices.push(i);
      seenValues.push(user.seenValues?.[k] ?? 1);
    }

    let path: SourcePath;
    const userIndex = model.userIndex(user.userId);
    if (userIndex >= 0) {
      model.scoreUser(userIndex, scores);
      path = 'trained';
    } else if (history !== undefined && seenIndices.length > 0 && history.scoreHistory(Int32Array.from(seenIndices), Float32Array.from(seenValues), scores)) {
      path = 'history';
    } else {
      model.scoreUnknownUser(scores);
      path = 'unknown';
    }

    const found = topKIndices(scores, this.count, this.tieRanks[s], excluded, this.topBuffer);
    const items: ScoredItem[] = [];
    for (let p = 0; p < found; p++) items.push({ itemId: model.itemIds[this.topBuffer[p]], score: scores[this.topBuffer[p]] });
    return { list: { source: model.kind, items }, path };
  }
}
