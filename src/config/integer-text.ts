/**
 * Reads a decimal integer from text, such as a setting or a command-line flag: optional spaces
 * and sign, then digits only. Anything else is NaN. That includes empty text, which Number()
 * reads as 0, and hexadecimal, exponents and decimals, which Number() accepts or rounds
 * (`8000.9999999999999999` is 8001 to it). Values past ±2^53 are NaN too, as they are not exact.
 */
export function parseIntegerText(text: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}
