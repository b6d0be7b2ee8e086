import { endianness } from 'node:os';
import { ModelError } from '../errors.js';
import type { ArtifactStore } from '../store/types.js';

/**
 * Files of an embedding model (SVD, ALS, BPR, or any model scored from user and item factor rows),
 * as one artifact store directory:
 *
 * - `manifest.json`: format name and version, model kind and version, id counts, factor width,
 *   the global mean, one entry per array (file, dtype, shape), hyperparameters, data fingerprint,
 *   metrics and model-specific details;
 * - `user_ids.json`, `item_ids.json`: raw ids as JSON arrays, index = dense index;
 * - one `.bin` file per array: the values in row-major order, little-endian IEEE 754
 *   (`<f8` for float64, `<f4` for float32, `<i4` for int32), no header.
 *
 * docs/retrieval.md shows how to load it with numpy. Writing goes through
 * `ArtifactStore.putDirectory`, so readers see all files or none.
 */

export const EMBEDDING_FORMAT = 'twostage-embedding';
export const EMBEDDING_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const USER_IDS_FILE = 'user_ids.json';
export const ITEM_IDS_FILE = 'item_ids.json';

export type FloatArray = Float32Array | Float64Array;
export type NumericArray = Float32Array | Float64Array | Int32Array;
export type ArrayDtype = 'float32' | 'float64' | 'int32';

/** Array names with a fixed meaning; any other name is model-specific. */
export const USER_FACTORS = 'user_factors';
export const ITEM_FACTORS = 'item_factors';
export const USER_BIAS = 'user_bias';
export const ITEM_BIAS = 'item_bias';

/** A model-specific array with its shape (the product of `shape` equals `data.length`). */
export interface ShapedArray {
  readonly data: NumericArray;
  readonly shape: readonly number[];
}

/** An embedding model as stored; the arrays are row-major. */
export interface EmbeddingArtifact {
  /** Model kind, such as `svd`, `als`, `bpr`. */
  readonly kind: string;
  /** Model version id; the artifact key usually ends with it. */
  readonly version: string;
  /** Raw user ids by dense user index. */
  readonly userIds: readonly string[];
  /** Raw item ids by dense item index. */
  readonly itemIds: readonly string[];
  /** Columns per factor row. */
  readonly width: number;
  /** User factors, shape [userIds.length × width]. */
  readonly userFactors: FloatArray;
  /** Item factors, shape [itemIds.length × width]. */
  readonly itemFactors: FloatArray;
  /** User biases, shape [userIds.length]; null when the model has none. */
  readonly userBias: FloatArray | null;
  /** Item biases, shape [itemIds.length]; null when the model has none. */
  readonly itemBias: FloatArray | null;
  /** Global mean added to every estimate (rating models); null when the model has none. */
  readonly globalMean: number | null;
  /** Further arrays by name (lowercase letters, digits, `_`), such as item popularity. */
  readonly arrays: Readonly<Record<string, ShapedArray>>;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** Fingerprint of the training data (`DatasetInfo.fingerprint`). */
  readonly dataFingerprint: string;
  readonly metrics: Readonly<Record<string, number>>;
  /** Model-specific JSON values, such as the rating scale. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Creation time, ms since the Unix epoch. */
  readonly createdAt: number;
}

/** One array entry of the manifest. */
export interface ManifestArray {
  readonly file: string;
  readonly dtype: ArrayDtype;
  readonly shape: number[];
}

/** The parsed `manifest.json`. */
export interface EmbeddingManifest {
  readonly format: typeof EMBEDDING_FORMAT;
  readonly formatVersion: number;
  readonly kind: string;
  readonly version: string;
  /** ISO 8601 UTC. */
  readonly createdAt: string;
  readonly byteOrder: 'little';
  readonly nUsers: number;
  readonly nItems: number;
  readonly width: number;
  readonly globalMean: number | null;
  readonly userIdsFile: string;
  readonly itemIdsFile: string;
  readonly arrays: Record<string, ManifestArray>;
  readonly hyperparameters: Record<string, unknown>;
  readonly dataFingerprint: string;
  readonly metrics: Record<string, number>;
  readonly details: Record<string, unknown>;
}

const ARRAY_NAME = /^[a-z][a-z0-9_]*$/;
const BYTES: Readonly<Record<ArrayDtype, number>> = { float32: 4, float64: 8, int32: 4 };
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Returns the artifact store key of a retrieval model version: `retrieval/<version>`. */
export function retrievalArtifactKey(version: string): string {
  return `retrieval/${version}`;
}

/**
 * Returns a new model version id `<kind>-<UTC time>-<random hex>`, such as
 * `svd-20261204T210700Z-3fa9c1`; ids of one kind sort by creation time.
 */
export function newModelVersion(kind: string, now = Date.now(), random: () => number = Math.random): string {
  const time = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const suffix = Math.floor(random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
  return `${kind}-${time}-${suffix}`;
}

/** Serialises an artifact into its files (manifest, id maps, arrays), after checking its shapes. */
export function encodeEmbeddingArtifact(artifact: EmbeddingArtifact): Map<string, Uint8Array> {
  const arrays = namedArrays(artifact);
  const files = new Map<string, Uint8Array>();
  const manifestArrays: Record<string, ManifestArray> = {};
  for (const [name, array] of Object.entries(arrays)) {
    const file = `${name}.bin`;
    manifestArrays[name] = { file, dtype: dtypeOf(array.data), shape: [...array.shape] };
    files.set(file, toLittleEndianBytes(array.data));
  }

  const manifest: EmbeddingManifest = {
    format: EMBEDDING_FORMAT,
    formatVersion: EMBEDDING_FORMAT_VERSION,
    kind: artifact.kind,
    version: artifact.version,
    createdAt: new Date(artifact.createdAt).toISOString(),
    byteOrder: 'little',
    nUsers: artifact.userIds.length,
    nItems: artifact.itemIds.length,
    width: artifact.width,
    globalMean: artifact.globalMean,
    userIdsFile: USER_IDS_FILE,
    itemIdsFile: ITEM_IDS_FILE,
    arrays: manifestArrays,
    hyperparameters: { ...artifact.hyperparameters },
    dataFingerprint: artifact.dataFingerprint,
    metrics: { ...artifact.metrics },
    details: { ...artifact.details },
  };
  files.set(MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  files.set(USER_IDS_FILE, Buffer.from(JSON.stringify(artifact.userIds)));
  files.set(ITEM_IDS_FILE, Buffer.from(JSON.stringify(artifact.itemIds)));
  return files;
}

/** Writes an artifact under `key` in one atomic step and returns the store's location for it. */
export async function saveEmbeddingArtifact(store: ArtifactStore, key: string, artifact: EmbeddingArtifact): Promise<string> {
  return store.putDirectory(key, encodeEmbeddingArtifact(artifact));
}

/**
 * Reads an artifact written by `saveEmbeddingArtifact`. It checks the format, the kind (when
 * `expectedKind` is given), every shape against the id counts and every file size against its
 * shape. A mismatch throws REC_ERR_MODEL_INVALID naming the file.
 */
export async function loadEmbeddingArtifact(store: ArtifactStore, key: string, expectedKind?: string): Promise<EmbeddingArtifact> {
  const where = `artifact ${key} in ${store.url}`;
  const manifest = parseManifest(await store.getFile(key, MANIFEST_FILE), where);
  if (expectedKind !== undefined && manifest.kind !== expectedKind) {
    throw invalid(`${where} contains a ${manifest.kind} model, expected ${expectedKind}`);
  }
  const userIds = parseIds(await store.getFile(key, manifest.userIdsFile), `${where}/${manifest.userIdsFile}`, manifest.nUsers);
  const itemIds = parseIds(await store.getFile(key, manifest.itemIdsFile), `${where}/${manifest.itemIdsFile}`, manifest.nItems);

  const arrays: Record<string, ShapedArray> = {};
  for (const [name, entry] of Object.entries(manifest.arrays)) {
    const bytes = await store.getFile(key, entry.file);
    arrays[name] = { data: fromLittleEndianBytes(bytes, entry, `${where}/${entry.file}`), shape: entry.shape };
  }
  const { [USER_FACTORS]: userFactors, [ITEM_FACTORS]: itemFactors, [USER_BIAS]: userBias, [ITEM_BIAS]: itemBias, ...rest } = arrays;
  if (!userFactors || !itemFactors) throw invalid(`${where}: the manifest lists no ${userFactors ? ITEM_FACTORS : USER_FACTORS} array`);

  const artifact: EmbeddingArtifact = {
    kind: manifest.kind,
    version: manifest.version,
    userIds,
    itemIds,
    width: manifest.width,
    userFactors: asFloat(userFactors.data, USER_FACTORS, where),
    itemFactors: asFloat(itemFactors.data, ITEM_FACTORS, where),
    userBias: userBias ? asFloat(userBias.data, USER_BIAS, where) : null,
    itemBias: itemBias ? asFloat(itemBias.data, ITEM_BIAS, where) : null,
    globalMean: manifest.globalMean,
    arrays: rest,
    hyperparameters: manifest.hyperparameters,
    dataFingerprint: manifest.dataFingerprint,
    metrics: manifest.metrics,
    details: manifest.details,
    createdAt: Date.parse(manifest.createdAt),
  };
  namedArrays(artifact, where);
  return artifact;
}

/** Collects every array of an artifact by name with its shape, checking shapes against the id counts. */
function namedArrays(artifact: EmbeddingArtifact, where = `${artifact.kind} model ${artifact.version}`): Record<string, ShapedArray> {
  const nUsers = artifact.userIds.length;
  const nItems = artifact.itemIds.length;
  if (!Number.isInteger(artifact.width) || artifact.width < 1) throw invalid(`${where}: factor width must be a positive integer, got ${artifact.width}`);
  if (artifact.globalMean !== null && !Number.isFinite(artifact.globalMean)) throw invalid(`${where}: global mean must be finite or null, got ${artifact.globalMean}`);

  const arrays: Record<string, ShapedArray> = {
    [USER_FACTORS]: { data: artifact.userFactors, shape: [nUsers, artifact.width] },
    [ITEM_FACTORS]: { data: artifact.itemFactors, shape: [nItems, artifact.width] },
  };
  if (artifact.userBias) arrays[USER_BIAS] = { data: artifact.userBias, shape: [nUsers] };
  if (artifact.itemBias) arrays[ITEM_BIAS] = { data: artifact.itemBias, shape: [nItems] };
  for (const [name, array] of Object.entries(artifact.arrays)) {
    if (!ARRAY_NAME.test(name)) throw invalid(`${where}: invalid array name "${name}": use lowercase letters, digits and "_"`);
    if (name in arrays) throw invalid(`${where}: array name "${name}" is reserved`);
    arrays[name] = array;
  }
  for (const [name, array] of Object.entries(arrays)) {
    const expected = array.shape.reduce((product, size) => product * size, 1);
    if (array.data.length !== expected) {
      throw invalid(`${where}: array ${name} has ${array.data.length} values, expected ${expected} for shape [${array.shape.join(', ')}]`);
    }
  }
  return arrays;
}

function dtypeOf(data: NumericArray): ArrayDtype {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  return 'int32';
}

function toLittleEndianBytes(data: NumericArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, data.BYTES_PER_ELEMENT);
  return bytes;
}

function fromLittleEndianBytes(bytes: Buffer, entry: ManifestArray, where: string): NumericArray {
  const size = BYTES[entry.dtype];
  const count = entry.shape.reduce((product, n) => product * n, 1);
  if (bytes.length !== count * size) {
    throw invalid(`${where} has ${bytes.length} bytes, expected ${count * size} (${entry.dtype}, shape [${entry.shape.join(', ')}])`);
  }
  // Copy into a fresh, aligned buffer: a Buffer may start at any byte offset of a shared pool.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (!LITTLE_ENDIAN_HOST) swapBytes(copy, size);
  if (entry.dtype === 'float64') return new Float64Array(copy.buffer);
  if (entry.dtype === 'float32') return new Float32Array(copy.buffer);
  return new Int32Array(copy.buffer);
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let start = 0; start < bytes.length; start += size) bytes.subarray(start, start + size).reverse();
}

function asFloat(data: NumericArray, name: string, where: string): FloatArray {
  if (data instanceof Int32Array) throw invalid(`${where}: array ${name} must be float32 or float64, got int32`);
  return data;
}

function parseManifest(bytes: Buffer, where: string): EmbeddingManifest {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(`${where}/${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  const manifest = value as Partial<EmbeddingManifest> | null;
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== EMBEDDING_FORMAT) {
    throw invalid(`${where}/${MANIFEST_FILE} is not a ${EMBEDDING_FORMAT} manifest`);
  }
  if (manifest.formatVersion !== EMBEDDING_FORMAT_VERSION) {
    throw invalid(`${where}/${MANIFEST_FILE} has format version ${manifest.formatVersion}, this build reads version ${EMBEDDING_FORMAT_VERSION}`);
  }
  for (const field of ['kind', 'version', 'createdAt', 'userIdsFile', 'itemIdsFile', 'dataFingerprint'] as const) {
    if (typeof manifest[field] !== 'string') throw invalid(`${where}/${MANIFEST_FILE}: field ${field} must be a string`);
  }
  for (const field of ['nUsers', 'nItems', 'width'] as const) {
    const count = manifest[field];
    if (!Number.isInteger(count) || (count as number) < 0) throw invalid(`${where}/${MANIFEST_FILE}: field ${field} must be a non-negative integer`);
  }
  if (manifest.byteOrder !== 'little') throw invalid(`${where}/${MANIFEST_FILE}: byteOrder must be "little"`);
  if (manifest.arrays === null || typeof manifest.arrays !== 'object') throw invalid(`${where}/${MANIFEST_FILE}: field arrays must be an object`);
  for (const [name, entry] of Object.entries(manifest.arrays)) {
    const valid =
      typeof entry?.file === 'string' &&
      (entry.dtype === 'float32' || entry.dtype === 'float64' || entry.dtype === 'int32') &&
      Array.isArray(entry.shape) &&
      entry.shape.every((n) => Number.isInteger(n) && n >= 0);
    if (!valid) throw invalid(`${where}/${MANIFEST_FILE}: array ${name} needs a file, a dtype (float32, float64, int32) and a shape of non-negative integers`);
  }
  return {
    ...(manifest as EmbeddingManifest),
    globalMean: manifest.globalMean ?? null,
    hyperparameters: manifest.hyperparameters ?? {},
    metrics: manifest.metrics ?? {},
    details: manifest.details ?? {},
  };
}

function parseIds(bytes: Buffer, where: string, expected: number): string[] {
  let ids: unknown;
  try {
    ids = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw invalid(`${where} must be a JSON array of strings`);
  if (ids.length !== expected) throw invalid(`${where} has ${ids.length} ids, the manifest says ${expected}`);
  return ids as string[];
}

function invalid(message: string): ModelError {
  return new ModelError('REC_ERR_MODEL_INVALID', message);
}
