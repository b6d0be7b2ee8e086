/**
 * Point-in-time join kernel on typed arrays.
 *
 * For each query (entity, T) it finds the latest record of that entity that was visible at T:
 * event time strictly before T and created time at or before T. "Latest" is the largest event
 * time, ties broken by the largest created time, then by the largest record index (the record
 * appended last). With a TTL, a found record whose event time is more than `ttlMs` before T counts
 * as missing. Strict `<` on the event time keeps a label event, and any event in the same
 * millisecond, out of its own features.
 *
 * Method: a record becomes visible at `avail = max(event, created)`, strictly after it when
 * `created <= event`, at it otherwise. Both the visible set and the result only grow with T, so
 * after sorting records by (entity, avail) and queries by (entity, T), one merge pass per entity
 * resolves every query. The sort is a counting sort by entity, then an insertion sort inside each
 * small group (a radix sort inside large ones): linear for the usual many-small-groups case.
 */
import { groupIndicesByCode, radixSortByFloat64 } from './sort.js';

export interface PitRecords {
  /** Dense entity code per record in [0, entityCount); shape [records]. */
  readonly code: Int32Array;
  /** ms; shape [records]. */
  readonly eventTime: Float64Array;
  /** ms; shape [records]. */
  readonly createdTime: Float64Array;
}

export interface PitQueries {
  /** Dense entity code per query, -1 for an entity without records; shape [queries]. */
  readonly code: Int32Array;
  /** ms; shape [queries]. */
  readonly time: Float64Array;
}

/** Records grouped by entity and sorted by visibility, ready for joins. */
export interface PreparedRecords {
  readonly entityCount: number;
  /** `offsets[e]..offsets[e + 1]` is the slice of entity e in the arrays below; shape [entityCount + 1]. */
  readonly offsets: Uint32Array;
  /** Record index per slot; shape [records]. */
  readonly order: Uint32Array;
  /** `max(event, created)` per slot, ms; shape [records]. */
  readonly avail: Float64Array;
  /** 1 when the slot's record is visible only strictly after `avail`; shape [records]. */
  readonly strict: Uint8Array;
  /** Event and created time per slot (copies in slot order, so the merge reads them sequentially); shape [records]. */
  readonly eventTime: Float64Array;
  readonly createdTime: Float64Array;
}

/**
 * Groups records by entity and sorts each group by visibility: `avail` ascending, records visible
 * at `avail` before those visible only after it. The result serves any number of query sets.
 */
export function prepareRecords(records: PitRecords, entityCount: number): PreparedRecords {
  const { eventTime, createdTime } = records;
  const grouped = groupIndicesByCode(records.code, entityCount);
  const order = grouped.order;
  const n = order.length;
  const avail = new Float64Array(n);
  const strict = new Uint8Array(n);
  const slotEvent = new Float64Array(n);
  const slotCreated = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const r = order[p];
    const e = eventTime[r];
    const c = createdTime[r];
    slotEvent[p] = e;
    slotCreated[p] = c;
    avail[p] = c > e ? c : e;
    strict[p] = c <= e ? 1 : 0;
  }
  sortGroups(grouped.offsets, entityCount, { order, key: avail, flag: strict, first: slotEvent, second: slotCreated });
  return { entityCount, offsets: grouped.offsets, order, avail, strict, eventTime: slotEvent, createdTime: slotCreated };
}

/**
 * Returns, per query, the index of the record it joins to, or -1. Times must be finite numbers;
 * codes must be below `entityCount`.
 */
export function pointInTimeJoin(records: PitRecords, queries: PitQueries, entityCount: number, ttlMs: number | null): Int32Array {
  return joinPrepared(prepareRecords(records, entityCount), queries, ttlMs);
}

/** Runs {@link pointInTimeJoin} on records already prepared with {@link prepareRecords}. */
export function joinPrepared(prepared: PreparedRecords, queries: PitQueries, ttlMs: number | null): Int32Array {
  const { entityCount, offsets, order: rOrder, avail, strict, eventTime, createdTime } = prepared;
  const queryCount = queries.time.length;

  const queryGroups = groupIndicesByCode(queries.code, entityCount);
  const qOrder = queryGroups.order;
  const qTime = new Float64Array(qOrder.length);
  for (let p = 0; p < qOrder.length; p++) qTime[p] = queries.time[qOrder[p]];
  sortGroups(queryGroups.offsets, entityCount, { order: qOrder, key: qTime, flag: null, first: null, second: null });

  const result = new Int32Array(queryCount).fill(-1);
  const useTtl = ttlMs !== null;
  const ttl = ttlMs ?? 0;
  for (let entity = 0; entity < entityCount; entity++) {
    let rp = offsets[entity];
    const rEnd = offsets[entity + 1];
    const qEnd = queryGroups.offsets[entity + 1];
    let best = -1;
    let bestEvent = 0;
    let bestCreated = 0;

    for (let qp = queryGroups.offsets[entity]; qp < qEnd; qp++) {
      const t = qTime[qp];
      while (rp < rEnd) {
        const a = avail[rp];
        if (a > t || (a === t && strict[rp] === 1)) break;
        const r = rOrder[rp];
        const e = eventTime[rp];
        const c = createdTime[rp];
        if (best < 0 || e > bestEvent || (e === bestEvent && (c > bestCreated || (c === bestCreated && r > best)))) {
          best = r;
          bestEvent = e;
          bestCreated = c;
        }
        rp++;
      }
      if (best >= 0 && (!useTtl || t - bestEvent <= ttl)) result[qOrder[qp]] = best;
    }
  }
  return result;
}

/** Groups up to this size are sorted by insertion; larger ones by a stable radix sort. */
const INSERTION_SORT_MAX = 48;

/**
 * Parallel arrays sorted together by (`key`, `flag`) ascending; `flag`, `first` and `second` are
 * optional payloads that move with the key.
 */
interface SortSlots {
  readonly order: Uint32Array;
  readonly key: Float64Array;
  readonly flag: Uint8Array | null;
  readonly first: Float64Array | null;
  readonly second: Float64Array | null;
}

/** Sorts each slice `offsets[g]..offsets[g + 1]` of the slots, stably. */
function sortGroups(offsets: Uint32Array, groupCount: number, slots: SortSlots): void {
  for (let g = 0; g < groupCount; g++) {
    const start = offsets[g];
    const end = offsets[g + 1];
    if (end - start < 2) continue;
    if (end - start <= INSERTION_SORT_MAX) insertionSort(start, end, slots);
    else radixSortSlice(start, end, slots);
  }
}

function insertionSort(start: number, end: number, slots: SortSlots): void {
  const { order, key, flag, first, second } = slots;
  for (let i = start + 1; i < end; i++) {
    const k = key[i];
    const f = flag === null ? 0 : flag[i];
    if (key[i - 1] < k || (key[i - 1] === k && (flag === null || flag[i - 1] <= f))) continue;

    const o = order[i];
    const a = first === null ? 0 : first[i];
    const b = second === null ? 0 : second[i];
    let j = i - 1;
    while (j >= start && (key[j] > k || (key[j] === k && flag !== null && flag[j] > f))) {
      key[j + 1] = key[j];
      order[j + 1] = order[j];
      if (flag !== null) flag[j + 1] = flag[j];
      if (first !== null) first[j + 1] = first[j];
      if (second !== null) second[j + 1] = second[j];
      j--;
    }
    key[j + 1] = k;
    order[j + 1] = o;
    if (flag !== null) flag[j + 1] = f;
    if (first !== null) first[j + 1] = a;
    if (second !== null) second[j + 1] = b;
  }
}

function radixSortSlice(start: number, end: number, slots: SortSlots): void {
  const { order, key, flag, first, second } = slots;
  const n = end - start;
  const keys = key.subarray(start, end);
  // Stable partition by flag first, so the stable sort by key leaves flag 0 before flag 1.
  const byFlag = new Uint32Array(n);
  let next = 0;
  for (let i = 0; i < n; i++) if (flag === null || flag[start + i] === 0) byFlag[next++] = i;
  if (flag !== null) for (let i = 0; i < n; i++) if (flag[start + i] === 1) byFlag[next++] = i;

  const local = radixSortByFloat64(keys, byFlag);
  permuteSlice(order, start, local);
  permuteSlice(key, start, local);
  if (flag !== null) permuteSlice(flag, start, local);
  if (first !== null) permuteSlice(first, start, local);
  if (second !== null) permuteSlice(second, start, local);
}

/** Rewrites `array[start + i] = old array[start + local[i]]` for the slice. */
function permuteSlice<T extends Float64Array | Uint32Array | Uint8Array>(array: T, start: number, local: Uint32Array): void {
  const copy = array.slice(start, start + local.length);
  for (let i = 0; i < local.length; i++) array[start + i] = copy[local[i]];
}

/**
 * Computes the result of {@link pointInTimeJoin} by scanning every record for every query:
 * O(records · queries). Tests compare the fast join with it.
 */
export function pointInTimeJoinBruteForce(records: PitRecords, queries: PitQueries, ttlMs: number | null): Int32Array {
  const result = new Int32Array(queries.time.length).fill(-1);
  for (let q = 0; q < queries.time.length; q++) {
    const t = queries.time[q];
    let best = -1;
    for (let r = 0; r < records.eventTime.length; r++) {
      if (records.code[r] !== queries.code[q] || queries.code[q] < 0) continue;
      if (!(records.eventTime[r] < t && records.createdTime[r] <= t)) continue;
      if (
        best < 0 ||
        records.eventTime[r] > records.eventTime[best] ||
        (records.eventTime[r] === records.eventTime[best] && records.createdTime[r] >= records.createdTime[best])
      ) {
        best = r;
      }
    }
    if (best >= 0 && (ttlMs === null || t - records.eventTime[best] <= ttlMs)) result[q] = best;
  }
  return result;
}
