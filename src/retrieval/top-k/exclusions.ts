/**
 * Items each user must not be recommended (everything the user interacted with, whatever the
 * rating), as compressed sparse rows: the items of user u are items[offsets[u] … offsets[u + 1]),
 * sorted ascending without repeats.
 */
export interface ExclusionLists {
  /** Shape [nUsers + 1]. */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
}

/**
 * Builds exclusion lists from (user, item) pairs in model index space; pairs where either index
 * is negative (not in the model) are skipped.
 */
export function buildExclusions(nUsers: number, user: Int32Array, item: Int32Array): ExclusionLists {
  if (user.length !== item.length) throw new RangeError(`user and item arrays differ in length: ${user.length} and ${item.length}`);
  const offsets = new Int32Array(nUsers + 1);
  for (let j = 0; j < user.length; j++) {
    if (user[j] >= 0 && item[j] >= 0) offsets[user[j] + 1]++;
  }
  for (let u = 0; u < nUsers; u++) offsets[u + 1] += offsets[u];
  const fill = offsets.slice(0, nUsers);
  const raw = new Int32Array(offsets[nUsers]);
  for (let j = 0; j < user.length; j++) {
    if (user[j] >= 0 && item[j] >= 0) raw[fill[user[j]]++] = item[j];
  }

  // Sort each user's items and drop repeats, compacting in place.
  const compact = new Int32Array(nUsers + 1);
  let write = 0;
  for (let u = 0; u < nUsers; u++) {
    const row = raw.subarray(offsets[u], offsets[u + 1]).sort();
    compact[u] = write;
    for (let p = 0; p < row.length; p++) {
      if (p === 0 || row[p] !== row[p - 1]) raw[write++] = row[p];
    }
  }
  compact[nUsers] = write;
  return { offsets: compact, items: raw.slice(0, write) };
}
