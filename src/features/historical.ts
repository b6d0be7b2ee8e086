/**
 * Point-in-time feature retrieval for training rows: the offline side of the feature store.
 */
import { TwostageError } from '../errors.js';
import type { OfflineStore } from '../store/types.js';
import { featureGroup, outputFeatures } from './definitions.js';
import { derivedInputs, derivedValue } from './derived.js';
import { EntityCodes } from './entity-codes.js';
import { readHistory } from './history.js';
import { joinPrepared, prepareRecords, type PreparedRecords } from './pit-join.js';
import type { EntityRows, FeatureColumn, FeatureFrame, FeatureGroup, FeatureHistory } from './types.js';

export { DAY_MS } from './derived.js';

/**
 * Returns the group's features as of each row: for row i, the latest record of entity
 * `rows.entityIds[i]` with event time strictly before `rows.timestamps[i]` and created time at or
 * before it (see `pointInTimeJoin` for ties and the TTL). The frame has one value per row, in row
 * order; a row without such a record gets missing values (NaN in numeric columns, null otherwise).
 *
 * @example
 * const frame = await getHistoricalFeatures(offline, 'item_stats', { entityIds: ['B01'], timestamps: [1590000000000] });
 * frame.columns.item_rating_mean.values[0];
 */
export async function getHistoricalFeatures(offline: OfflineStore, group: FeatureGroup | string, rows: EntityRows): Promise<FeatureFrame> {
  const resolved = typeof group === 'string' ? featureGroup(group) : group;
  validateRows(rows);
  return joinHistory(resolved, await readHistory(offline, resolved), rows);
}

/** Entity codes and prepared records of one history, built on its first join. */
interface HistoryIndex {
  readonly codes: EntityCodes;
  readonly prepared: PreparedRecords;
}

const INDEXES = new WeakMap<FeatureHistory, HistoryIndex>();

/**
 * Joins a history already loaded onto rows: the in-memory step of {@link getHistoricalFeatures}. The
 * history's index (entity codes, records sorted by visibility) is built on the first join and
 * reused by later joins against the same object, so a history must not change after it is joined.
 */
export function joinHistory(group: FeatureGroup, history: FeatureHistory, rows: EntityRows): FeatureFrame {
  validateRows(rows);
  const index = indexHistory(history);
  const rowCount = rows.entityIds.length;
  const rowCodes = index.codes.lookupAll(rows.entityIds);
  const times = rows.timestamps instanceof Float64Array ? rows.timestamps : Float64Array.from(rows.timestamps);

  const recordIndex = joinPrepared(index.prepared, { code: rowCodes, time: times }, group.ttlMs);
  return { group: group.name, rowCount, columns: gatherColumns(group, history, recordIndex, times), recordIndex };
}

function indexHistory(history: FeatureHistory): HistoryIndex {
  const cached = INDEXES.get(history);
  if (cached) return cached;
  const codes = new EntityCodes();
  const recordCodes = new Int32Array(history.entityIds.length);
  // Histories written by the pipeline list each entity's records together, so most ids repeat the previous one.
  let previous: string | undefined;
  let previousCode = -1;
  for (let r = 0; r < history.entityIds.length; r++) {
    const id = history.entityIds[r];
    if (id !== previous) {
      previous = id;
      previousCode = codes.intern(id);
    }
    recordCodes[r] = previousCode;
  }
  const prepared = prepareRecords({ code: recordCodes, eventTime: history.eventTime, createdTime: history.createdTime }, codes.size);
  const index = { codes, prepared };
  INDEXES.set(history, index);
  return index;
}

/** Builds the output columns: stored values of the joined record, and derived values as of each row's time. */
export function gatherColumns(group: FeatureGroup, history: FeatureHistory, recordIndex: Int32Array, asOf: Float64Array): Record<string, FeatureColumn> {
  const n = recordIndex.length;
  const columns: Record<string, FeatureColumn> = {};
  for (const spec of outputFeatures(group)) {
    const derived = group.derived.find((d) => d.name === spec.name);
    if (derived) {
      const inputs = new Map<string, Float64Array>();
      for (const name of derivedInputs(derived)) {
        const source = history.columns[name];
        if (source?.type !== 'numeric') throw new Error(`derived feature ${derived.name} needs a numeric stored feature ${name}, found ${source?.type ?? 'none'}`);
        inputs.set(name, source.values);
      }
      const out = new Float64Array(n).fill(NaN);
      for (let i = 0; i < n; i++) {
        const r = recordIndex[i];
        if (r >= 0) out[i] = derivedValue(derived, (name) => inputs.get(name)?.[r] ?? NaN, asOf[i]);
      }
      columns[spec.name] = { type: 'numeric', values: out };
      continue;
    }

    const column = history.columns[spec.name];
    if (column.type === 'numeric') {
      const out = new Float64Array(n).fill(NaN);
      for (let i = 0; i < n; i++) {
        const r = recordIndex[i];
        if (r >= 0) out[i] = column.values[r];
      }
      columns[spec.name] = { type: 'numeric', values: out };
    } else if (column.type === 'categorical') {
      const out: (string | null)[] = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = recordIndex[i] >= 0 ? column.values[recordIndex[i]] : null;
      columns[spec.name] = { type: 'categorical', values: out };
    } else {
      const out: (readonly string[] | null)[] = new Array<readonly string[] | null>(n);
      for (let i = 0; i < n; i++) out[i] = recordIndex[i] >= 0 ? column.values[recordIndex[i]] : null;
      columns[spec.name] = { type: 'categorical_list', values: out };
    }
  }
  return columns;
}

function validateRows(rows: EntityRows): void {
  if (rows.entityIds.length !== rows.timestamps.length) {
    throw new TwostageError('REC_ERR_REQUEST_INVALID', `rows have ${rows.entityIds.length} entity ids but ${rows.timestamps.length} timestamps; expected one timestamp per row`);
  }
  for (let i = 0; i < rows.timestamps.length; i++) {
    if (!Number.isFinite(rows.timestamps[i])) {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `row ${i} has timestamp ${String(rows.timestamps[i])}; expected a finite time in ms`);
    }
    if (typeof rows.entityIds[i] !== 'string') {
      throw new TwostageError('REC_ERR_REQUEST_INVALID', `row ${i} has entity id ${String(rows.entityIds[i])}; expected a string`);
    }
  }
}
