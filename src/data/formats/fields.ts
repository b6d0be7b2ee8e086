import { toTimestampMs, type TimeUnit } from '../policy.js';
import { LineError } from './context.js';

/** Reads a required timestamp field (a number, or an integer written as text) in `unit`, as ms; throws a LineError otherwise. */
export function requireTimestamp(raw: unknown, unit: TimeUnit, maxMs: number, field: string): number {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) value = Number(raw);
  else if (raw === undefined || raw === null || raw === '') throw new LineError('missing_timestamp', `missing ${field}`);
  else throw new LineError('invalid_timestamp', `${field} ${JSON.stringify(raw)} is not a number`);
  const ms = toTimestampMs(value, unit, maxMs);
  if (typeof ms === 'string') throw new LineError('invalid_timestamp', `${field}: ${ms}`);
  return ms;
}

/** Returns the trimmed string, or null when it is not a string or is empty. */
export function optionalText(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  return text.length > 0 ? text : null;
}

/** Returns a finite number (numeric strings included), or null. */
export function optionalNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const value = Number(raw.replaceAll(',', ''));
    return Number.isFinite(value) ? value : null;
  }
  return null;
}

/** Returns a count (a non-negative integer, or a string such as "1,234"), or null. */
export function optionalCount(raw: unknown): number | null {
  const value = optionalNumber(raw);
  return value !== null && Number.isInteger(value) && value >= 0 ? value : null;
}

/** Returns a boolean (the text true/false included), or null. */
export function optionalBoolean(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true' || raw === 'True') return true;
  if (raw === 'false' || raw === 'False') return false;
  return null;
}

/** Returns the non-empty strings of a list, or [] for anything but an array. */
export function stringList(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter((v): v is string => typeof v === 'string' && v.trim().length > 0);
}
