import type { DerivedFeatureSpec } from './types.js';

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/**
 * Value of a derived feature as of `asOf` (ms), from the stored values of one record read by
 * `stored(name)` (NaN when missing). Returns NaN when a stored input is missing. The offline join
 * and the online read both call it, so a feature means the same on both sides.
 */
export function derivedValue(spec: DerivedFeatureSpec, stored: (name: string) => number, asOf: number): number {
  const source = stored(spec.source);
  if (spec.kind === 'days_since') return (asOf - source) / DAY_MS;
  const time = stored(spec.timeSource ?? '');
  const halfLifeMs = (spec.halfLifeDays ?? Number.NaN) * DAY_MS;
  return source * Math.pow(2, -(asOf - time) / halfLifeMs);
}

/** Stored numeric features a derived feature reads. */
export function derivedInputs(spec: DerivedFeatureSpec): string[] {
  return spec.kind === 'decayed' ? [spec.source, spec.timeSource ?? ''] : [spec.source];
}
