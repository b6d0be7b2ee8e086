/**
 * Store interfaces. Each one has an embedded backend (DuckDB, SQLite, a local folder) and
 * scale-out backends, chosen by the scheme of its URL setting (see ./open.ts). Nothing here knows
 * about datasets, features, models or HTTP: callers pass table names, groups and ids.
 *
 * Conventions for every interface:
 * - times are milliseconds since the Unix epoch, UTC;
 * - batch reads return one result per requested key, in request order, with `null` for a miss;
 * - `ping()` checks the backend answers (used by the API's readiness check);
 * - `close()` releases connections and may be called more than once.
 */

/** Column types the offline store understands; each backend maps them to its own SQL types. */
export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'BIGINT' | 'INTEGER' | 'BOOLEAN' | 'JSON';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

export interface TableSchema {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
}

/**
 * One cell. `null` is a missing value (SQL NULL), never 0 or ''. JSON columns take any
 * JSON-serialisable value and read back parsed. BIGINT columns read back as `number`, so they must
 * hold values within ±2^53 (timestamps in ms do).
 */
export type CellValue = string | number | boolean | null | readonly unknown[] | JsonText | { readonly [key: string]: unknown };

/**
 * The cell of a JSON column as text its caller serialized already, for a value that it also
 * serializes for another use. Stores write `text` as it is, and read the cell back parsed.
 */
export class JsonText {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** Serializes the value of a JSON cell, taking the text of a JsonText as it is. */
export function jsonCellText(value: CellValue): string {
  return value instanceof JsonText ? value.text : JSON.stringify(value);
}

export type Row = CellValue[];

/** Rows of one table as columns: `columns[name][i]` is row i. */
export type ColumnBatch = Record<string, CellValue[]>;

/**
 * One column of `TableWriter.appendColumns`, where row i is `values[i]`. In a typed array, a
 * number below `nullBelow` (or NaN, with `nanIsNull`) is NULL, and any other number is the cell
 * itself or, with `labels`, the index of its label.
 */
export interface ColumnValues {
  readonly values: ArrayLike<number> | readonly CellValue[];
  readonly labels?: readonly CellValue[];
  readonly nullBelow?: number;
  readonly nanIsNull?: boolean;
}

export interface TableWriter {
  /** Appends rows, each with one value per schema column, in schema order. */
  append(rows: readonly Row[]): Promise<void>;
  /** Optional columnar form of `append` (one entry per schema column, `rowCount` rows), which skips building a row array per row. */
  appendColumns?(columns: readonly ColumnValues[], rowCount: number): Promise<void>;
}

export interface ReadTableOptions {
  /** Columns to read (default: all). */
  columns?: readonly string[];
  /** Sort keys, ascending, applied before reading; without them the order is the insertion order where the backend keeps one. */
  orderBy?: readonly string[];
}

/** Append-only history and whole-table snapshots for offline, columnar work. */
export interface OfflineStore {
  readonly url: string;
  /**
   * Creates `schemas` as staging tables, lets `fill` write them, then replaces the live tables of
   * the same names in one transaction. If `fill` throws, the live tables are left as they were.
   */
  replaceTables(schemas: readonly TableSchema[], fill: (writers: Readonly<Record<string, TableWriter>>) => Promise<void>): Promise<void>;
  /** Appends rows to a table, creating it from `schema` if it does not exist. Existing rows never change. */
  appendRows(schema: TableSchema, rows: readonly Row[]): Promise<void>;
  hasTable(name: string): Promise<boolean>;
  /** Reads a whole table as columns. Throws if the table does not exist. */
  readTable(name: string, options?: ReadTableOptions): Promise<ColumnBatch>;
  /** Streams a table in batches of at most `batchSize` rows (default 10,000). */
  scanTable(name: string, options?: ReadTableOptions & { batchSize?: number }): AsyncIterable<ColumnBatch>;
  /** Number of rows in a table, 0 when it does not exist. */
  countRows(name: string): Promise<number>;
  dropTable(name: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A feature value: numbers, categories, category lists; `null` is missing. */
export type FeatureValue = number | string | readonly string[] | null;

export interface OnlineRecord {
  readonly entityId: string;
  /** When the values became true in the world (ms). */
  readonly eventTime: number;
  /** When the values were written to the feature store (ms). */
  readonly createdTime: number;
  readonly values: Readonly<Record<string, FeatureValue>>;
}

export interface OnlineReadOptions {
  /** A record whose event time is older than `now - ttlMs` reads as missing. */
  ttlMs?: number;
  /** Time the read is "as of" for the TTL check (default: Date.now()). */
  now?: number;
}

/** The latest feature record per entity, grouped by feature group. */
export interface OnlineStore {
  readonly url: string;
  /** Upserts records; a record replaces the stored one only if its (eventTime, createdTime) is not older. */
  putLatest(group: string, records: readonly OnlineRecord[]): Promise<void>;
  /** One batch read: the result has `entityIds.length` entries in the same order, `null` for a miss. */
  getMany(group: string, entityIds: readonly string[], options?: OnlineReadOptions): Promise<(OnlineRecord | null)[]>;
  /** Removes every record of a group. */
  clearGroup(group: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Candidate {
  readonly itemId: string;
  /** Retrieval score used for ordering (higher is better); unclipped. */
  readonly score: number;
  /** Optional per-source scores and ranks, kept as ranker features (e.g. `als_score`, `als_rank`). */
  readonly extras?: Readonly<Record<string, number>>;
}

export interface CandidateList {
  readonly userId: string;
  /** In serving order: score descending, then item id ascending. */
  readonly items: readonly Candidate[];
}

export interface CandidateVersionWriter {
  readonly version: string;
  write(lists: readonly CandidateList[]): Promise<void>;
  /** Marks the version complete; it still is not served until `activate`. */
  commit(): Promise<void>;
  /** Deletes what was written. */
  abort(): Promise<void>;
}

/** Precomputed candidates per user, under versions switched atomically. */
export interface CandidateStore {
  readonly url: string;
  /** Starts writing a new version; readers keep seeing the active version meanwhile. */
  beginVersion(version: string): Promise<CandidateVersionWriter>;
  /** Makes a committed version the one `get` reads, in one atomic step. Throws for an unknown or uncommitted version. */
  activate(version: string): Promise<void>;
  activeVersion(): Promise<string | null>;
  /** Committed versions, oldest first. */
  listVersions(): Promise<string[]>;
  /** The user's candidates in the active version (or `version`), `null` when the user has none stored. */
  get(userId: string, version?: string): Promise<Candidate[] | null>;
  /** Deletes a version that is not active. */
  deleteVersion(version: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Model files and reports. A key names a directory-like group of files. */
export interface ArtifactStore {
  readonly url: string;
  /** Writes all files under `key` so that readers see all of them or none (temporary name, then rename or whole upload). Returns the location. */
  putDirectory(key: string, files: ReadonlyMap<string, Uint8Array>): Promise<string>;
  getFile(key: string, file: string): Promise<Buffer>;
  /** File names under a key; empty when the key does not exist. */
  listFiles(key: string): Promise<string[]>;
  /** Keys that start with `prefix`. */
  listKeys(prefix?: string): Promise<string[]>;
  exists(key: string): Promise<boolean>;
  deleteDirectory(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type ModelStage = 'staging' | 'production' | 'archived';

export interface ModelVersionRecord {
  /** Model kind, such as `retrieval` or `ranker`. */
  readonly kind: string;
  readonly version: string;
  readonly stage: ModelStage;
  readonly createdAt: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly dataFingerprint: string;
  /** Artifact store key of the model files. */
  readonly artifactKey: string;
  /** Candidate store version produced with this model (retrieval models only). */
  readonly candidateVersion: string | null;
}

export interface StageChange {
  readonly kind: string;
  readonly version: string;
  readonly stage: ModelStage;
}

/** Model versions and their stages. */
export interface RegistryStore {
  readonly url: string;
  /** Throws if (kind, version) exists already. */
  insertVersion(record: ModelVersionRecord): Promise<void>;
  getVersion(kind: string, version: string): Promise<ModelVersionRecord | null>;
  /** Versions, newest first; all kinds when `kind` is omitted. */
  listVersions(kind?: string): Promise<ModelVersionRecord[]>;
  /** Applies all changes in one transaction. */
  setStages(changes: readonly StageChange[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
