/**
 * Feature histories in memory (columnar, typed) and in the offline store (one append-only table
 * per group and version, see `historyTableName`).
 *
 * Table layout: `entity_id VARCHAR, event_time BIGINT, created_time BIGINT`, then one column per
 * stored feature: DOUBLE for numeric, VARCHAR for categorical, JSON (an array of strings) for
 * categorical lists. SQL NULL is a missing value.
 */
import type { CellValue, ColumnBatch, ColumnType, FeatureValue, OfflineStore, Row, TableSchema } from '../store/types.js';
import { historyTableName } from './definitions.js';
import type { FeatureColumn, FeatureGroup, FeatureHistory, FeatureType } from './types.js';

const SQL_TYPE: Record<FeatureType, ColumnType> = { numeric: 'DOUBLE', categorical: 'VARCHAR', categorical_list: 'JSON' };

/** Offline table schema of a group's history. */
export function historySchema(group: FeatureGroup): TableSchema {
  return {
    name: historyTableName(group),
    columns: [
      { name: 'entity_id', type: 'VARCHAR' },
      { name: 'event_time', type: 'BIGINT' },
      { name: 'created_time', type: 'BIGINT' },
      ...group.features.map((f) => ({ name: f.name, type: SQL_TYPE[f.type] })),
    ],
  };
}

/** Collects records one at a time, then freezes them into a {@link FeatureHistory}. */
export class HistoryBuilder {
  private readonly entityIds: string[] = [];
  private readonly eventTimes: number[] = [];
  private readonly createdTimes: number[] = [];
  private readonly values: FeatureValue[][];

  constructor(readonly group: FeatureGroup) {
    this.values = group.features.map(() => []);
  }

  get size(): number {
    return this.entityIds.length;
  }

  /** Adds one record; `values` has one entry per stored feature, in the group's order. */
  add(entityId: string, eventTime: number, createdTime: number, values: readonly FeatureValue[]): void {
    this.entityIds.push(entityId);
    this.eventTimes.push(eventTime);
    this.createdTimes.push(createdTime);
    for (let f = 0; f < this.values.length; f++) this.values[f].push(values[f] ?? null);
  }

  build(): FeatureHistory {
    const columns: Record<string, FeatureColumn> = {};
    this.group.features.forEach((feature, f) => {
      columns[feature.name] = toColumn(feature.type, this.values[f]);
    });
    return {
      entityIds: this.entityIds,
      eventTime: Float64Array.from(this.eventTimes),
      createdTime: Float64Array.from(this.createdTimes),
      columns,
    };
  }
}

/** Builds a typed column from values where `null` is missing. */
export function toColumn(type: FeatureType, values: readonly (FeatureValue | CellValue | undefined)[]): FeatureColumn {
  switch (type) {
    case 'numeric': {
      const out = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        out[i] = v === null || v === undefined ? NaN : Number(v);
      }
      return { type, values: out };
    }
    case 'categorical':
      return { type, values: values.map((v) => (v === null || v === undefined ? null : String(v))) };
    case 'categorical_list':
      return { type, values: values.map((v) => (Array.isArray(v) ? v.map(String) : null)) };
  }
}

/** Value i of a column, with `null` for missing. */
export function columnValue(column: FeatureColumn, i: number): FeatureValue {
  if (column.type === 'numeric') {
    const v = column.values[i];
    return Number.isNaN(v) ? null : v;
  }
  return column.values[i];
}

/** Stored feature values of record r, by feature name. */
export function recordValues(group: FeatureGroup, history: FeatureHistory, r: number): Record<string, FeatureValue> {
  const values: Record<string, FeatureValue> = {};
  for (const feature of group.features) values[feature.name] = columnValue(history.columns[feature.name], r);
  return values;
}

/** Offline rows for the given records (all when `indices` is omitted), in table column order. */
export function historyRows(group: FeatureGroup, history: FeatureHistory, indices?: readonly number[]): Row[] {
  const pick = indices ?? history.entityIds.map((_, r) => r);
  return pick.map((r) => [
    history.entityIds[r],
    history.eventTime[r],
    history.createdTime[r],
    ...group.features.map((f) => columnValue(history.columns[f.name], r) as CellValue),
  ]);
}

/** Reads a group's whole history from the offline store; an absent table is an empty history. */
export async function readHistory(offline: OfflineStore, group: FeatureGroup): Promise<FeatureHistory> {
  const table = historyTableName(group);
  if (!(await offline.hasTable(table))) return new HistoryBuilder(group).build();
  const batch = await offline.readTable(table);
  return historyFromBatch(group, batch);
}

/** Converts a table read back from the offline store into a typed history. */
export function historyFromBatch(group: FeatureGroup, batch: ColumnBatch): FeatureHistory {
  const missing = ['entity_id', 'event_time', 'created_time', ...group.features.map((f) => f.name)].filter((c) => !(c in batch));
  if (missing.length > 0) {
    throw new Error(`offline table ${historyTableName(group)} lacks column(s) ${missing.join(', ')}; bump the group version after changing its features`);
  }
  const columns: Record<string, FeatureColumn> = {};
  for (const feature of group.features) columns[feature.name] = toColumn(feature.type, batch[feature.name]);
  return {
    entityIds: batch.entity_id.map(String),
    eventTime: Float64Array.from(batch.event_time, Number),
    createdTime: Float64Array.from(batch.created_time, Number),
    columns,
  };
}

/**
 * Appends records to a group's history table, creating it when absent, even for no records: an
 * existing table tells readers that the pipeline has computed the group. Existing rows never change.
 */
export async function appendHistory(offline: OfflineStore, group: FeatureGroup, history: FeatureHistory, indices?: readonly number[]): Promise<number> {
  const rows = historyRows(group, history, indices);
  await offline.appendRows(historySchema(group), rows);
  return rows.length;
}
