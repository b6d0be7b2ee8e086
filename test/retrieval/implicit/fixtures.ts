import type { Interactions } from '../../../src/data/types.js';

/**
 * Small synthetic implicit datasets. `clusteredInteractions` builds users and items in `groups`
 * groups: each user interacts with most items of its own group and, rarely, with other items,
 * so a working retriever ranks unseen items of the user's group first.
 */
export function clusteredInteractions(options: { users?: number; items?: number; groups?: number; seed?: number } = {}): Interactions {
  const users = options.users ?? 60;
  const items = options.items ?? 40;
  const groups = options.groups ?? 2;
  let state = (options.seed ?? 7) >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4_294_967_296;
  };
  const user: number[] = [];
  const item: number[] = [];
  const timestamp: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      const inGroup = u % groups === i % groups;
      if (random() < (inGroup ? 0.6 : 0.04)) {
        user.push(u);
        item.push(i);
        timestamp.push(1_600_000_000_000 + (u * items + i) * 60_000);
      }
    }
  }
  return interactionsFrom(users, items, user, item, timestamp);
}

/** Builds Interactions from parallel arrays, with ids `u<index>` and `i<index>` (zero-padded so id order = index order). */
export function interactionsFrom(users: number, items: number, user: number[], item: number[], timestamp?: number[], weight?: number[]): Interactions {
  return {
    userIds: Array.from({ length: users }, (_, u) => `u${String(u).padStart(4, '0')}`),
    itemIds: Array.from({ length: items }, (_, i) => `i${String(i).padStart(4, '0')}`),
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    rating: new Float64Array(user.length).fill(NaN),
    weight: Float32Array.from(weight ?? user.map(() => 1)),
    timestamp: Float64Array.from(timestamp ?? user.map((_, j) => 1_600_000_000_000 + j * 1000)),
  };
}
