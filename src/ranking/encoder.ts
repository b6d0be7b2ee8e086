import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelError, TwostageError } from '../errors.js';

/** One input feature: numeric (one column) or categorical (one column per vocabulary entry). */
export type EncodedFeature =
  | { name: string; type: 'numeric' }
  | { name: string; type: 'categorical'; categories: string[] };

/** A raw feature value: number, numeric string, category string, several categories, or missing. */
export type RawValue = number | string | boolean | readonly (string | number)[] | null | undefined;

const FORMAT = 'twostage-feature-encoder';
const FORMAT_VERSION = 1;

/** Output column name of a category: `<feature>=<category>`. */
export const oneHotName = (feature: string, category: string): string => `${feature}=${category}`;

export interface FitOptions {
  numeric: string[];
  categorical: string[];
  /** Categories seen fewer times are left out of the vocabulary (they encode to all zeros); default 1. */
  minCount?: number;
}

/**
 * Turns named raw features into the float32 matrix a model reads. Numeric features pass through
 * (null, undefined, "", "NaN" and NaN are missing and become NaN, which is not 0). Categorical
 * features are one-hot, with one column per vocabulary entry in the saved order. An unknown or
 * missing category encodes to all zeros, and an array value sets several columns (multi-hot). Columns are
 * always assembled by name: `encode` takes the model's feature names and looks each one up.
 */
export class FeatureEncoder {
  readonly features: readonly EncodedFeature[];
  /** Output columns in encoder order. */
  readonly outputNames: readonly string[];
  private readonly columnOf = new Map<string, { feature: number; category: number }>();
  private readonly categoryIndex: (Map<string, number> | null)[];

  constructor(features: EncodedFeature[]) {
    this.features = features.map((f) => (f.type === 'numeric' ? { ...f } : { ...f, categories: [...f.categories] }));
    this.categoryIndex = this.features.map((f) => (f.type === 'categorical' ? new Map(f.categories.map((c, i) => [c, i])) : null));
    const names: string[] = [];
    const seenInputs = new Set<string>();
    this.features.forEach((feature, index) => {
      if (!feature.name) throw invalidSpec('a feature has an empty name');
      if (seenInputs.has(feature.name)) throw invalidSpec(`feature "${feature.name}" is listed twice`);
      seenInputs.add(feature.name);
      const outputs = feature.type === 'numeric' ? [feature.name] : feature.categories.map((c) => oneHotName(feature.name, c));
      outputs.forEach((name, category) => {
        if (this.columnOf.has(name)) throw invalidSpec(`output column "${name}" is produced twice`);
        this.columnOf.set(name, { feature: index, category: feature.type === 'numeric' ? -1 : category });
        names.push(name);
      });
    });
    this.outputNames = names;
  }

  /** Learns category vocabularies (sorted by code unit) from raw rows. */
  static fit(rows: Iterable<Record<string, RawValue>>, options: FitOptions): FeatureEncoder {
    const minCount = options.minCount ?? 1;
    const counts = options.categorical.map(() => new Map<string, number>());
    for (const row of rows) {
      options.categorical.forEach((name, i) => {
        for (const category of categoriesOf(row[name])) counts[i].set(category, (counts[i].get(category) ?? 0) + 1);
      });
    }
    const features: EncodedFeature[] = [
      ...options.numeric.map((name) => ({ name, type: 'numeric' as const })),
      ...options.categorical.map((name, i) => ({
        name,
        type: 'categorical' as const,
        categories: [...counts[i]].filter(([, n]) => n >= minCount).map(([c]) => c).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      })),
    ];
    return new FeatureEncoder(features);
  }

  /**
   * Encodes rows into a row-major float32 matrix whose columns are `columns` (normally the model's
   * feature names), in that order. Every column must be an output of this encoder; a column the
   * encoder does not produce is an error naming it.
   */
  encode(rows: readonly Record<string, RawValue>[], columns: readonly string[] = this.outputNames, out?: Float32Array): Float32Array {
    const plan = columns.map((name) => {
      const column = this.columnOf.get(name);
      if (!column) throw new TwostageError('REC_ERR_MODEL_INVALID', `the encoder does not produce model feature "${name}": retrain the model with this encoder or use the encoder saved with it`);
      return column;
    });
    const width = columns.length;
    const matrix = out ?? new Float32Array(rows.length * width);
    if (matrix.length < rows.length * width) throw new RangeError(`output has length ${matrix.length}, expected at least ${rows.length * width}`);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (let c = 0; c < width; c++) {
        const { feature, category } = plan[c];
        const spec = this.features[feature];
        matrix[r * width + c] = category < 0 ? numericValue(row[spec.name], spec.name) : oneHot(this.categoryIndex[feature] as Map<string, number>, row[spec.name], category);
      }
    }
    return matrix;
  }

  toJSON(): { format: string; version: number; features: EncodedFeature[] } {
    return { format: FORMAT, version: FORMAT_VERSION, features: this.features.map((f) => ({ ...f })) };
  }

  /** Rebuilds an encoder from its JSON form, rejecting malformed input with the field named. */
  static fromJSON(value: unknown, source = 'encoder'): FeatureEncoder {
    const fail = (problem: string): never => {
      throw new ModelError('REC_ERR_MODEL_INVALID', `${source}: invalid feature encoder: ${problem}`);
    };
    const doc = value as { format?: unknown; version?: unknown; features?: unknown };
    if (doc === null || typeof doc !== 'object') fail('expected a JSON object');
    if (doc.format !== FORMAT) fail(`format must be "${FORMAT}", got ${JSON.stringify(doc.format)}`);
    if (doc.version !== FORMAT_VERSION) fail(`version must be ${FORMAT_VERSION}, got ${JSON.stringify(doc.version)}`);
    if (!Array.isArray(doc.features)) fail('features must be an array');
    const features = (doc.features as unknown[]).map((raw, i): EncodedFeature => {
      const f = raw as { name?: unknown; type?: unknown; categories?: unknown };
      if (f === null || typeof f !== 'object' || typeof f.name !== 'string') return fail(`features[${i}].name must be a string`);
      if (f.type === 'numeric') return { name: f.name, type: 'numeric' };
      if (f.type !== 'categorical') return fail(`features[${i}].type must be "numeric" or "categorical", got ${JSON.stringify(f.type)}`);
      if (!Array.isArray(f.categories) || !f.categories.every((c) => typeof c === 'string')) return fail(`features[${i}].categories must be an array of strings`);
      return { name: f.name, type: 'categorical', categories: f.categories as string[] };
    });
    try {
      return new FeatureEncoder(features);
    } catch (error) {
      return fail((error as Error).message);
    }
  }
}

function invalidSpec(problem: string): TwostageError {
  return new TwostageError('REC_ERR_MODEL_INVALID', `invalid feature encoder: ${problem}`);
}

function categoriesOf(value: RawValue): string[] {
  if (value === null || value === undefined || value === '') return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

function numericValue(value: RawValue, name: string): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '' || text === 'NaN') return Number.NaN;
    const parsed = Number(text);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw new TwostageError('REC_ERR_INPUT_INVALID', `feature "${name}" must be numeric, got ${JSON.stringify(value)}`);
}

function oneHot(index: Map<string, number>, value: RawValue, category: number): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.some((v) => index.get(String(v)) === category) ? 1 : 0;
  return index.get(String(value)) === category ? 1 : 0;
}

/** Writes an encoder as JSON (temporary file, then rename). */
export async function saveEncoder(file: string, encoder: FeatureEncoder): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${JSON.stringify(encoder.toJSON(), null, 1)}\n`);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ModelError('REC_ERR_MODEL_INVALID', `failed to write encoder file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export async function loadEncoder(file: string): Promise<FeatureEncoder> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelError('REC_ERR_MODEL_NOT_FOUND', `encoder file not found: ${file}`);
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${file}: invalid feature encoder: not valid JSON (${(error as Error).message})`);
  }
  return FeatureEncoder.fromJSON(parsed, file);
}
