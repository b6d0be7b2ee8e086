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
 * `created <= event`, at it otherwise. Both the visible set and the answer only grow with T, so
 * after sorting records by (entity, avail) and queries by (entity, T), one merge pass per entity
 * answers every query: O((records + queries) · passes) with radix sorts, no comparisons sort.
 */
import { groupByCode, identityOrder, radixSortByFloat64 } from './sort.js';

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

/**
 * Returns, per query, the index of the record it joins to, or -1. Times must be finite numbers;
 * codes must be below `entityCount`.
 */
export function pointInTimeJoin(records: PitRecords, queries: PitQueries, entityCount: number, ttlMs: number | null): Int32Array {
  const { eventTime, createdTime } = records;
  const recordCount = eventTime.length;
  const queryCount = queries.time.length;

  // Records visible strictly after `avail` sort after those visible at it, for equal `avail`.
  const avail = new Float64Array(recordCount);
  const strict = new Uint8Array(recordCount);
  let strictCount = 0;
  for (let r = 0; r < recordCount; r++) {
    const e = eventTime[r];
    const c = createdTime[r];
    avail[r] = c > e ? c : e;
    if (c <= e) {
      strict[r] = 1;
      strictCount++;
    }
  }
  const byStrict = new Uint32Array(recordCount);
  let atAvail = 0;
  let afterAvail = recordCount - strictCount;
  for (let r = 0; r < recordCount; r++) byStrict[strict[r] ? afterAvail++ : atAvail++] = r;

  const recordOrder = groupByCode(records.code, radixSortByFloat64(avail, byStrict), entityCount);
  const queryOrder = groupByCode(queries.code, radixSortByFloat64(queries.time, identityOrder(queryCount)), entityCount);

  const result = new Int32Array(queryCount).fill(-1);
  const rOrder = recordOrder.order;
  const qOrder = queryOrder.order;
  const useTtl = ttlMs !== null;
  const ttl = ttlMs ?? 0;

  for (let entity = 0; entity < entityCount; entity++) {
    let rp = recordOrder.offsets[entity];
    const rEnd = recordOrder.offsets[entity + 1];
    const qEnd = queryOrder.offsets[entity + 1];
    let best = -1;
    let bestEvent = 0;
    let bestCreated = 0;

    for (let qp = queryOrder.offsets[entity]; qp < qEnd; qp++) {
      const q = qOrder[qp];
      const t = queries.time[q];
      while (rp < rEnd) {
        const r = rOrder[rp];
        const a = avail[r];
        if (a > t || (a === t && strict[r] === 1)) break;
        const e = eventTime[r];
        const c = createdTime[r];
        if (best < 0 || e > bestEvent || (e === bestEvent && (c > bestCreated || (c === bestCreated && r > best)))) {
          best = r;
          bestEvent = e;
          bestCreated = c;
        }
        rp++;
      }
      if (best >= 0 && (!useTtl || t - bestEvent <= ttl)) result[q] = best;
    }
  }
  return result;
}

/**
 * The same contract as {@link pointInTimeJoin}, by scanning every record for every query:
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
