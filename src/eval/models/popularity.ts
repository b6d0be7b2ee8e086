import type { EvaluationModel, FittedModel } from '../model-types.js';

/**
 * Ranks items by the number of distinct training users who interacted with them. Every user gets
 * the same list, and the evaluation removes each user's own training items from it.
 */
export const popularityModel: EvaluationModel = {
  name: 'popularity',
  description: 'most interacted items (distinct training users per item), training items excluded',
  async fit({ train }): Promise<FittedModel> {
    const scores = countDistinctUsersPerItem(train.user, train.item, train.userIds.length, train.itemIds.length);
    const write = (out: Float32Array) => out.set(scores);
    return { scoreUser: (_user, out) => write(out), scoreUnknownUser: write };
  },
};

/** Distinct users per item, shape [itemCount]; repeated (user, item) pairs count once. */
export function countDistinctUsersPerItem(user: Int32Array, item: Int32Array, userCount: number, itemCount: number): Float32Array {
  const counts = new Float32Array(itemCount);
  const seen = new Set<number>();
  for (let j = 0; j < user.length; j++) {
    const key = item[j] * userCount + user[j];
    if (seen.has(key)) continue;
    seen.add(key);
    counts[item[j]]++;
  }
  return counts;
}
