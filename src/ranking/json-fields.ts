import { ModelError } from '../errors.js';

/**
 * Typed readers for fields of a parsed JSON document. Every failure names the file and the JSON
 * path of the field, so a malformed model is rejected with a message that points at the fault.
 */
export class JsonFields {
  constructor(private readonly source: string) {}

  fail(path: string, problem: string): never {
    throw new ModelError('REC_ERR_MODEL_INVALID', `${this.source}: invalid XGBoost JSON model: ${path} ${problem}`);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be an object, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  field(parent: Record<string, unknown>, key: string, path: string): unknown {
    if (!(key in parent)) this.fail(`${path}.${key}`, 'is missing');
    return parent[key];
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, `must be a string, got ${describe(value)}`);
    return value;
  }

  array(value: unknown, path: string, length?: number): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `must be an array, got ${describe(value)}`);
    if (length !== undefined && value.length !== length) this.fail(path, `must have ${length} elements, got ${value.length}`);
    return value;
  }

  /** Reads an integer written as a JSON number or, as XGBoost writes parameters, as a decimal string. */
  integer(value: unknown, path: string): number {
    const parsed = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed)) this.fail(path, `must be an integer, got ${describe(value)}`);
    return parsed;
  }

  int32Array(value: unknown, path: string, length: number): Int32Array {
    const items = this.array(value, path, length);
    const out = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const item = items[i];
      if (typeof item !== 'number' || !Number.isInteger(item) || item < -2147483648 || item > 2147483647) {
        this.fail(`${path}[${i}]`, `must be a 32-bit integer, got ${describe(item)}`);
      }
      out[i] = item;
    }
    return out;
  }

  float32Array(value: unknown, path: string, length: number): Float32Array {
    const items = this.array(value, path, length);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const item = items[i];
      if (typeof item !== 'number' || !Number.isFinite(item)) this.fail(`${path}[${i}]`, `must be a finite number, got ${describe(item)}`);
      out[i] = item;
    }
    return out;
  }

  /** Flags written as booleans (some writers) or as 0/1 (XGBoost 1.x–3.x). */
  flagArray(value: unknown, path: string, length: number): Uint8Array {
    const items = this.array(value, path, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const item = items[i];
      if (item === true || item === 1) out[i] = 1;
      else if (item !== false && item !== 0) this.fail(`${path}[${i}]`, `must be true, false, 0 or 1, got ${describe(item)}`);
    }
    return out;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
