/**
 * Natural logarithm rounded to the nearest double, for reproducing C libraries whose `log` is
 * (almost always) correctly rounded, such as glibc 2.28 and later. V8's `Math.log` (an fdlibm port)
 * is within one ulp but differs from glibc in the last bit for about 3% of arguments, which
 * would change numpy-compatible normal draws.
 *
 * Method: x = m · 2^e with m in [0.75, 1.5), and c = k/128 the grid point nearest to m;
 * log x = e·ln 2 + log c + 2·atanh(s) with s = (m − c)/(m + c), |s| ≤ 2^-8.5. The 97 values log c
 * come from a table built at load time (the same atanh series around 1, in double-double), and
 * the sum is evaluated in double-double arithmetic (relative error below about 2^-85) and rounded
 * once. So the result is the nearest double except when ln(x) lies within about 2^-30 ulp of a
 * midpoint between two doubles.
 *
 * NOTE: glibc's `log` itself is not always correctly rounded (errors up to about 0.502 ulp were
 * seen against 60-digit references), so on about 0.04% of random arguments in (0, 1) the two
 * differ by one ulp.
 */

const SPLITTER = 134217729; // 2^27 + 1, Dekker's splitting constant for doubles
const LN2_HI = 0.6931471805599453; // ln 2 rounded to a double
const LN2_LO = 2.3190468138462996e-17; // ln 2 − LN2_HI
const TWO_POW_54 = 18014398509481984;
const SERIES_TERMS = 22; // s^(2·22) < 2^-110 for |s| ≤ 0.1716 (table construction only)
const DOUBLE_DOUBLE_TERMS = 7; // table construction: terms 0 … 6 in double-double, the rest in doubles
const GRID = 128;
const GRID_FIRST = 96; // 0.75 · GRID
const GRID_LAST = 192; // 1.5 · GRID
const THIRD_HI = 1 / 3;
const THIRD_LO = 1.850371707708594e-17; // 1/3 − THIRD_HI

// Scratch results of the double-double helpers below, used only to build the table at load time.
let hi = 0;
let lo = 0;

function twoSum(a: number, b: number): void {
  const s = a + b;
  const bb = s - a;
  lo = a - (s - bb) + (b - bb);
  hi = s;
}

function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  lo = b - (s - a);
  hi = s;
}

function twoProduct(a: number, b: number): void {
  const p = a * b;
  let t = SPLITTER * a;
  const aHigh = t - (t - a);
  const aLow = a - aHigh;
  t = SPLITTER * b;
  const bHigh = t - (t - b);
  const bLow = b - bHigh;
  lo = aHigh * bHigh - p + aHigh * bLow + aLow * bHigh + aLow * bLow;
  hi = p;
}

function ddMul(aHi: number, aLo: number, bHi: number, bLo: number): void {
  twoProduct(aHi, bHi);
  quickTwoSum(hi, lo + (aHi * bLo + aLo * bHi));
}

function ddAdd(aHi: number, aLo: number, bHi: number, bLo: number): void {
  twoSum(aHi, bHi);
  quickTwoSum(hi, lo + aLo + bLo);
}

function ddDiv(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const q1 = aHi / bHi;
  ddMul(q1, 0, bHi, bLo);
  ddAdd(aHi, aLo, -hi, -lo);
  const q2 = hi / bHi;
  const rHi = hi;
  const rLo = lo;
  ddMul(q2, 0, bHi, bLo);
  ddAdd(rHi, rLo, -hi, -lo);
  const q3 = hi / bHi;
  quickTwoSum(q1, q2);
  ddAdd(hi, lo, q3, 0);
}

/** 1/(2n + 1) as double-double pairs, for the atanh series. */
const INVERSE_ODD_HI = new Float64Array(SERIES_TERMS);
const INVERSE_ODD_LO = new Float64Array(SERIES_TERMS);
for (let n = 0; n < SERIES_TERMS; n++) {
  ddDiv(1, 0, 2 * n + 1, 0);
  INVERSE_ODD_HI[n] = hi;
  INVERSE_ODD_LO[n] = lo;
}

/** ln(m) for m in [1/√2, √2] in double-double, by the full atanh series; slow, for the table. */
function tableLog(m: number): void {
  twoSum(m, 1);
  ddDiv(m - 1, 0, hi, lo);
  const sHi = hi;
  const sLo = lo;
  ddMul(sHi, sLo, sHi, sLo);
  const s2Hi = hi;
  const s2Lo = lo;
  let tail = INVERSE_ODD_HI[SERIES_TERMS - 1];
  for (let n = SERIES_TERMS - 2; n >= DOUBLE_DOUBLE_TERMS; n--) tail = tail * s2Hi + INVERSE_ODD_HI[n];
  let sumHi = tail;
  let sumLo = 0;
  for (let n = DOUBLE_DOUBLE_TERMS - 1; n >= 0; n--) {
    ddMul(sumHi, sumLo, s2Hi, s2Lo);
    ddAdd(hi, lo, INVERSE_ODD_HI[n], INVERSE_ODD_LO[n]);
    sumHi = hi;
    sumLo = lo;
  }
  ddMul(sumHi, sumLo, sHi, sLo);
  hi *= 2;
  lo *= 2;
}

/** log(k/128) for k = 96 … 192 as double-double pairs, indexed by k − 96. */
const GRID_LOG_HI = new Float64Array(GRID_LAST - GRID_FIRST + 1);
const GRID_LOG_LO = new Float64Array(GRID_LAST - GRID_FIRST + 1);
for (let k = GRID_FIRST; k <= GRID_LAST; k++) {
  const c = k / GRID;
  if (c <= Math.SQRT2) {
    tableLog(c);
  } else {
    tableLog(c / 2);
    ddAdd(hi, lo, LN2_HI, LN2_LO);
  }
  GRID_LOG_HI[k - GRID_FIRST] = hi;
  GRID_LOG_LO[k - GRID_FIRST] = lo;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian hosts keep the exponent in word 1

/** High half of a double by Dekker's split; the low half is `a − highHalf(a)`. */
function highHalf(a: number): number {
  const t = SPLITTER * a;
  return t - (t - a);
}

/**
 * Returns ln(x) rounded to the nearest double (see the module notes for the rare exceptions).
 * NaN and negative arguments give NaN, 0 gives −Infinity, +Infinity gives +Infinity.
 */
export function roundedLog(x: number): number {
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  if (!(x > 0)) return NaN;

  // Reduce: x = m · 2^e with m in [0.75, 1.5).
  let exponentBias = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO_POW_54;
    exponentBias = -54;
  }
  bits[0] = x;
  const high = words[HIGH_WORD];
  let exponent = ((high >>> 20) & 0x7ff) - 1023 + exponentBias;
  words[HIGH_WORD] = (high & 0x800fffff) | 0x3ff00000;
  let m = bits[0];
  if (m >= 1.5) {
    m *= 0.5;
    exponent += 1;
  }
  const k = Math.round(m * GRID);
  const c = k / GRID;

  // s = (m − c)/(m + c) as a double-double; m − c is exact because m and c are within a factor of two.
  const d = m - c;
  const den = m + c;
  const denPart = den - m;
  const denLo = m - (den - denPart) + (c - denPart);
  const sHi = d / den;
  const sHiHigh = highHalf(sHi);
  const sHiLow = sHi - sHiHigh;
  const denHigh = highHalf(den);
  const denLow = den - denHigh;
  const product = sHi * den;
  const productLo = sHiHigh * denHigh - product + sHiHigh * denLow + sHiLow * denHigh + sHiLow * denLow;
  const sLo = (d - product - productLo - sHi * denLo) / den;

  // s² as a double-double.
  const s2 = sHi * sHi;
  const s2Lo0 = sHiHigh * sHiHigh - s2 + 2 * sHiHigh * sHiLow + sHiLow * sHiLow + 2 * sHi * sLo;
  const s2Hi = s2 + s2Lo0;
  const s2Lo = s2Lo0 - (s2Hi - s2);

  // u = 1/3 + s²/5 + s⁴/7 + …; only the 1/3 needs the low word.
  const tail = s2Hi * (1 / 5 + s2Hi * (1 / 7 + s2Hi * (1 / 9 + s2Hi / 11)));
  const uHi = THIRD_HI + tail;
  const uLo = tail - (uHi - THIRD_HI) + THIRD_LO;

  // v = s² · u, w = 1 + v, so atanh(s)/s = w.
  const s2High = highHalf(s2Hi);
  const s2Low = s2Hi - s2High;
  const uHigh = highHalf(uHi);
  const uLow = uHi - uHigh;
  const v = s2Hi * uHi;
  const vLo = s2High * uHigh - v + s2High * uLow + s2Low * uHigh + s2Low * uLow + (s2Hi * uLo + s2Lo * uHi);
  const w = 1 + v;
  const wLo = v - (w - 1) + vLo;

  // log m − log c = 2 · s · w.
  const wHigh = highHalf(w);
  const wLow = w - wHigh;
  const t = sHi * w;
  const tLo = sHiHigh * wHigh - t + sHiHigh * wLow + sHiLow * wHigh + sHiLow * wLow + (sHi * wLo + sLo * w);

  // Add log c and e · ln 2, largest last.
  const index = k - GRID_FIRST;
  const a = GRID_LOG_HI[index];
  const b = 2 * t;
  const sum = a + b;
  const bb = sum - a;
  const sumLo = a - (sum - bb) + (b - bb) + GRID_LOG_LO[index] + 2 * tLo;

  const eHigh = highHalf(exponent);
  const eLow = exponent - eHigh;
  const lnHigh = highHalf(LN2_HI);
  const lnLow = LN2_HI - lnHigh;
  const scaled = exponent * LN2_HI;
  const scaledLo = eHigh * lnHigh - scaled + eHigh * lnLow + eLow * lnHigh + eLow * lnLow + exponent * LN2_LO;

  const total = scaled + sum;
  const totalBb = total - scaled;
  const totalLo = scaled - (total - totalBb) + (sum - totalBb) + scaledLo + sumLo;
  return total + totalLo;
}
