/**
 * Seeded pseudo-random numbers for the implicit-feedback trainers: xoshiro128** (Blackman and
 * Vigna, 2018) on 32-bit words, seeded through SplitMix32. The same seed gives the same stream on
 * every platform, which is what makes training deterministic.
 */
export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Next float in [0, 1), with 32 bits of randomness. */
  nextFloat(): number;
  /** Next integer in [0, n); `n` must be a positive integer below 2^32. */
  nextInt(n: number): number;
}

/** Returns the initial xoshiro128** state [s0, s1, s2, s3] of createRng(seed, stream), as unsigned 32-bit integers. */
export function rngState(seed: number, stream = 0): [number, number, number, number] {
  // SplitMix32 expands (seed, stream) into the 128-bit state, which must not be all zero.
  let mix = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca77)) >>> 0;
  const next = (): number => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const state: [number, number, number, number] = [next(), next(), next(), next()];
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state;
}

/** Creates a generator from a seed and an optional stream number (for per-thread or per-block streams). */
export function createRng(seed: number, stream = 0): Rng {
  let [s0, s1, s2, s3] = rngState(seed, stream);

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  return {
    nextUint32,
    nextFloat: () => nextUint32() / 4_294_967_296,
    // Multiply-shift maps 32 random bits onto [0, n); the bias is below n / 2^32.
    nextInt: (n: number) => Math.floor((nextUint32() / 4_294_967_296) * n),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
