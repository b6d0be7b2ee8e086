/**
 * Variable-length lists of dense item indices in compressed-row form: list r contains
 * `items[offsets[r]] … items[offsets[r + 1] - 1]`. `offsets` has one more entry than there are
 * lists and starts at 0. Used for ranked recommendation lists, relevant sets and training items.
 */
export interface IndexLists {
  readonly offsets: Int32Array;
  readonly items: Int32Array;
}

/** Number of lists in `lists`. */
export function listCount(lists: IndexLists): number {
  return lists.offsets.length - 1;
}

/**
 * Builds one list per user from parallel (user, item) arrays: each user's distinct items in order
 * of first occurrence. Entries whose `include` flag is 0 are skipped when `include` is given.
 * `userCount` fixes the number of lists, so users without entries get an empty list.
 */
export function groupDistinctItemsByUser(
  userCount: number,
  user: Int32Array,
  item: Int32Array,
  include?: Uint8Array,
): IndexLists {
  if (user.length !== item.length) {
    throw new RangeError(`user and item arrays differ in length: ${user.length} and ${item.length}`);
  }
  if (include !== undefined && include.length !== user.length) {
    throw new RangeError(`include mask has length ${include.length}, expected ${user.length}`);
  }

  const counts = new Int32Array(userCount + 1);
  for (let j = 0; j < user.length; j++) {
    if (include !== undefined && include[j] === 0) continue;
    const u = user[j];
    if (u < 0 || u >= userCount) throw new RangeError(`user index ${u} at entry ${j} is outside [0, ${userCount})`);
    counts[u + 1]++;
  }
  const offsets = new Int32Array(userCount + 1);
  for (let u = 0; u < userCount; u++) offsets[u + 1] = offsets[u] + counts[u + 1];

  // Fill in input order, then drop repeats within each list.
  const items = new Int32Array(offsets[userCount]);
  const cursor = offsets.slice(0, userCount);
  for (let j = 0; j < user.length; j++) {
    if (include !== undefined && include[j] === 0) continue;
    items[cursor[user[j]]++] = item[j];
  }
  return removeRepeatsWithinLists({ offsets, items });
}

/** Returns lists with each item kept once, at its first position; the input is not changed. */
export function removeRepeatsWithinLists(lists: IndexLists): IndexLists {
  const count = listCount(lists);
  let maxItem = -1;
  for (let p = 0; p < lists.items.length; p++) {
    const item = lists.items[p];
    if (item < 0) throw new RangeError(`negative item index ${item} at position ${p}`);
    if (item > maxItem) maxItem = item;
  }

  // lastList[item] is the last list that kept the item, so each list needs no clearing.
  const lastList = new Int32Array(maxItem + 1).fill(-1);
  const offsets = new Int32Array(count + 1);
  const items = new Int32Array(lists.items.length);
  let write = 0;
  for (let r = 0; r < count; r++) {
    for (let p = lists.offsets[r]; p < lists.offsets[r + 1]; p++) {
      const item = lists.items[p];
      if (lastList[item] === r) continue;
      lastList[item] = r;
      items[write++] = item;
    }
    offsets[r + 1] = write;
  }
  return { offsets, items: items.slice(0, write) };
}

/** Builds lists from plain arrays; convenient for tests and small inputs. */
export function indexListsFromArrays(lists: readonly (readonly number[])[]): IndexLists {
  const offsets = new Int32Array(lists.length + 1);
  for (let r = 0; r < lists.length; r++) offsets[r + 1] = offsets[r] + lists[r].length;
  const items = new Int32Array(offsets[lists.length]);
  let write = 0;
  for (const list of lists) for (const item of list) items[write++] = item;
  return { offsets, items };
}

/** Selects the lists of the given rows, in that order. */
export function selectLists(lists: IndexLists, rows: Int32Array): IndexLists {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    offsets[i + 1] = offsets[i] + lists.offsets[r + 1] - lists.offsets[r];
  }
  const items = new Int32Array(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    items.set(lists.items.subarray(lists.offsets[r], lists.offsets[r + 1]), offsets[i]);
  }
  return { offsets, items };
}
