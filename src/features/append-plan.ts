/**
 * Decides which computed records to append to a stored history, so that re-running the pipeline
 * never duplicates history and a change to the source data becomes new records, never an update.
 *
 * A key is (entity, event time); its current value is the stored record with the largest created
 * time. For each key of the computed history:
 * - not stored yet: every computed version is appended with its source created time, except that a
 *   key older than the entity's latest stored event time is late data and gets created time
 *   `max(source, runTime)`;
 * - stored with the same current value: nothing is appended;
 * - stored with another value: the latest computed version is appended as a correction with created
 *   time `max(source, runTime)`, so rows as of earlier times keep seeing what was known then.
 * A stored key the computation no longer produces (an interaction removed from the source) gets a
 * correction holding the computed state as of that time, or all-missing values when there is none.
 */
import type { FeatureValue } from '../store/types.js';
import { columnValue, HistoryBuilder } from './history.js';
import type { FeatureGroup, FeatureHistory } from './types.js';

export interface AppendPlan {
  /** Records to append, in a history of their own. */
  readonly records: FeatureHistory;
  /** Computed keys already stored with the same value. */
  readonly unchanged: number;
  /** Records appended for keys not stored before. */
  readonly added: number;
  /** Records appended that correct a stored key. */
  readonly corrections: number;
}

export function planAppend(group: FeatureGroup, stored: FeatureHistory, computed: FeatureHistory, runTime: number): AppendPlan {
  const storedCurrent = new Map<string, number>();
  const latestStoredEvent = new Map<string, number>();
  for (let r = 0; r < stored.entityIds.length; r++) {
    const key = keyOf(stored, r);
    const previous = storedCurrent.get(key);
    if (previous === undefined || stored.createdTime[r] >= stored.createdTime[previous]) storedCurrent.set(key, r);
    const entity = stored.entityIds[r];
    const latest = latestStoredEvent.get(entity);
    if (latest === undefined || stored.eventTime[r] > latest) latestStoredEvent.set(entity, stored.eventTime[r]);
  }

  const versions = new Map<string, number[]>();
  for (let r = 0; r < computed.entityIds.length; r++) {
    const key = keyOf(computed, r);
    const list = versions.get(key);
    if (list) list.push(r);
    else versions.set(key, [r]);
  }

  const out = new HistoryBuilder(group);
  let unchanged = 0;
  let added = 0;
  let corrections = 0;
  for (const [key, list] of versions) {
    list.sort((a, b) => computed.createdTime[a] - computed.createdTime[b] || a - b);
    const current = storedCurrent.get(key);
    if (current === undefined) {
      const entity = computed.entityIds[list[0]];
      const latest = latestStoredEvent.get(entity);
      const late = latest !== undefined && computed.eventTime[list[0]] < latest;
      for (const r of list) {
        const created = late ? Math.max(computed.createdTime[r], runTime) : computed.createdTime[r];
        out.add(entity, computed.eventTime[r], created, valuesOf(group, computed, r));
        added++;
      }
      continue;
    }

    const final = list[list.length - 1];
    if (sameValues(group, computed, final, stored, current)) {
      unchanged++;
      continue;
    }
    out.add(computed.entityIds[final], computed.eventTime[final], Math.max(computed.createdTime[final], runTime), valuesOf(group, computed, final));
    corrections++;
  }

  const orphans = [...storedCurrent.entries()].filter(([key]) => !versions.has(key));
  if (orphans.length > 0) {
    const byEntity = recordsByEntity(computed);
    for (const [, r] of orphans) {
      const entity = stored.entityIds[r];
      const t = stored.eventTime[r];
      const state = stateAt(computed, byEntity.get(entity) ?? [], t);
      const values = state < 0 ? group.features.map(() => null) : valuesOf(group, computed, state);
      if (JSON.stringify(values) === JSON.stringify(valuesOf(group, stored, r))) continue;
      out.add(entity, t, Math.max(stored.createdTime[r], runTime), values);
      corrections++;
    }
  }
  return { records: out.build(), unchanged, added, corrections };
}

function keyOf(history: FeatureHistory, r: number): string {
  return `${history.entityIds[r]}\u0000${history.eventTime[r]}`;
}

function valuesOf(group: FeatureGroup, history: FeatureHistory, r: number): FeatureValue[] {
  return group.features.map((f) => columnValue(history.columns[f.name], r));
}

function sameValues(group: FeatureGroup, a: FeatureHistory, ra: number, b: FeatureHistory, rb: number): boolean {
  for (const feature of group.features) {
    const x = columnValue(a.columns[feature.name], ra);
    const y = columnValue(b.columns[feature.name], rb);
    if (feature.type === 'categorical_list' ? JSON.stringify(x) !== JSON.stringify(y) : x !== y) return false;
  }
  return true;
}

function recordsByEntity(history: FeatureHistory): Map<string, number[]> {
  const byEntity = new Map<string, number[]>();
  history.entityIds.forEach((entity, r) => {
    const list = byEntity.get(entity);
    if (list) list.push(r);
    else byEntity.set(entity, [r]);
  });
  return byEntity;
}

/** Returns the computed record in effect at time t (event time at or before t, latest created), or -1. */
function stateAt(history: FeatureHistory, records: readonly number[], t: number): number {
  let best = -1;
  for (const r of records) {
    if (history.eventTime[r] > t) continue;
    if (best < 0 || history.eventTime[r] > history.eventTime[best] || (history.eventTime[r] === history.eventTime[best] && history.createdTime[r] >= history.createdTime[best])) {
      best = r;
    }
  }
  return best;
}
