/**
 * Reason a raw price became missing:
 * - `absent`: no price field. `null`: JSON null.
 * - `none_text`: the text "None", "null", "NaN" or "N/A" that exporters write for a missing value.
 * - `empty`: an empty or blank string.
 * - `range`: "9.99 - 14.99", because ranges are not guessed, not even the lower bound.
 * - `not_a_number`: any other text ("—", "see site").
 * - `negative`: below zero. `not_finite`: NaN or Infinity as a number.
 */
export type PriceMissingReason = 'absent' | 'null' | 'none_text' | 'empty' | 'range' | 'not_a_number' | 'negative' | 'not_finite';

export type ParsedPrice = { readonly price: number; readonly reason: null } | { readonly price: null; readonly reason: PriceMissingReason };

const NONE_TEXTS = new Set(['none', 'null', 'nan', 'n/a', 'na', 'undefined']);
/** A plain amount with an optional currency sign or code, thousands commas and decimals: "$1,299.00", "£5", "USD 12.50". */
const AMOUNT = /^(?:[$£€¥]|[A-Z]{3}\s?)?\s*(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/;
const RANGE = /^\D{0,4}\d[\d,]*(?:\.\d+)?\s*(?:-|–|—|to)\s*\D{0,4}\d[\d,]*(?:\.\d+)?$/i;

/**
 * Parses a price from metadata. A number or a plain amount string gives the price (0 is kept: it
 * means free, not unknown); everything else gives null with the reason. `undefined` is a missing
 * key. Never returns NaN, and never turns "" or null into 0.
 */
export function parsePrice(raw: unknown): ParsedPrice {
  if (raw === undefined) return { price: null, reason: 'absent' };
  if (raw === null) return { price: null, reason: 'null' };
  if (typeof raw === 'number') return checkAmount(raw);
  if (typeof raw !== 'string') return { price: null, reason: 'not_a_number' };

  const text = raw.trim();
  if (text.length === 0) return { price: null, reason: 'empty' };
  if (NONE_TEXTS.has(text.toLowerCase())) return { price: null, reason: 'none_text' };
  if (text.startsWith('-') && AMOUNT.test(text.slice(1).trim())) return { price: null, reason: 'negative' };
  const match = AMOUNT.exec(text);
  if (match) return checkAmount(Number(match[1].replaceAll(',', '') + (match[2] ?? '')));
  if (RANGE.test(text)) return { price: null, reason: 'range' };
  return { price: null, reason: 'not_a_number' };
}

function checkAmount(value: number): ParsedPrice {
  if (!Number.isFinite(value)) return { price: null, reason: 'not_finite' };
  if (value < 0) return { price: null, reason: 'negative' };
  return { price: value, reason: null };
}
