/**
 * A small seeded generator (mulberry32): the same seed gives the same stream on every platform,
 * which is all the sampling here needs (not cryptographic, period 2^32).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Picks max(1, floor(fraction × n)) distinct values of `from` (keeping their order) with `random`. */
export function sampleSubset(from: Int32Array, fraction: number, random: SeededRandom): Int32Array {
  if (fraction >= 1) return from;
  const keep = Math.max(1, Math.floor(fraction * from.length));
  const shuffled = Int32Array.from(from);
  for (let i = 0; i < keep; i++) {
    const j = i + random.nextInt(shuffled.length - i);
    const swap = shuffled[i];
    shuffled[i] = shuffled[j];
    shuffled[j] = swap;
  }
  return shuffled.subarray(0, keep).sort();
}
