import { emptyEvent } from '../builder.js';
import { csvRecords, UNTERMINATED_QUOTE } from '../csv.js';
import { hashString } from '../hash.js';
import { readLines } from '../lines.js';
import { parsePrice } from '../price.js';
import { MIN_TIMESTAMP_MS } from '../policy.js';
import { InputError } from '../../errors.js';
import { LineError, type FileReader } from './context.js';

/** The header of the UCI Online Retail CSV; columns are found by these names. */
export const ONLINE_RETAIL_COLUMNS = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'] as const;

/**
 * Stock codes that are services, not products: postage (POST, DOT, C2), manual entries (M),
 * discounts (D), samples (S), bad-debt adjustments (B), bank and Amazon fees, CRUK commission.
 * Gift vouchers (`gift_0001_*`) count as non-products too. Compared case-insensitively.
 */
export const NON_PRODUCT_CODES: ReadonlySet<string> = new Set(['POST', 'DOT', 'M', 'C2', 'D', 'S', 'B', 'BANK CHARGES', 'AMAZONFEE', 'CRUK']);
const GIFT_VOUCHER_PREFIX = 'GIFT_0001_';

export function isNonProductCode(stockCode: string): boolean {
  const code = stockCode.trim().toUpperCase();
  return NON_PRODUCT_CODES.has(code) || code.startsWith(GIFT_VOUCHER_PREFIX);
}

/** Metadata the retail lines carry for their items: the description and unit price of the item's first kept line. */
export interface InlineItemMetadata {
  title: string | null;
  price: number | null;
  priceIssue: ReturnType<typeof parsePrice>['reason'];
}

/**
 * Reads the UCI Online Retail CSV as implicit feedback: each kept line is a purchase of
 * `Quantity` units (the event weight) of `StockCode` by `CustomerID`. The rules apply in this
 * order, and each is counted: cancellations (InvoiceNo starting with C), other lines with
 * quantity ≤ 0, lines without a customer, and non-product stock codes. The common (user, item)
 * policy then drops exact duplicate lines and merges repeat purchases into the earliest.
 * InvoiceDate is UK local time and is converted to UTC.
 */
export function onlineRetailReader(inline: Map<number, InlineItemMetadata>): FileReader {
  return async (ctx) => {
    const event = emptyEvent();
    event.sourceFile = ctx.fileIndex;
    let columns: number[] | null = null;
    for await (const { records, bytesRead } of csvRecords(readLines(ctx.file), ',')) {
      for (const record of records) {
        if (record.fields === null) {
          ctx.lines += 1;
          ctx.badLines.report(ctx.file, record.line, UNTERMINATED_QUOTE, record.reason, record.text);
          continue;
        }
        if (columns === null) {
          columns = resolveColumns(ctx.file, record.fields);
          continue;
        }
        ctx.lines += 1;
        try {
          const f = columns.map((c) => record.fields[c]);
          if (record.fields.length < ONLINE_RETAIL_COLUMNS.length) {
            throw new LineError('wrong_field_count', `expected ${ONLINE_RETAIL_COLUMNS.length} fields, found ${record.fields.length}`);
          }
          const [invoice, stockCode, description, quantityText, dateText, priceText, customerText, country] = f;
          const quantity = parseQuantity(quantityText);
          const timestamp = parseUkLocalTime(dateText);
          if (invoice.trim().toUpperCase().startsWith('C')) {
            ctx.builder.drop('cancellation');
            continue;
          }
          if (quantity <= 0) {
            ctx.builder.drop('non_positive_quantity');
            continue;
          }
          const customer = parseCustomerId(customerText);
          if (customer === null) {
            ctx.builder.drop('missing_user_id');
            continue;
          }
          if (isNonProductCode(stockCode)) {
            ctx.builder.drop('non_product_code');
            continue;
          }
          event.userId = customer;
          event.itemId = stockCode.trim() || null;
          event.rating = undefined;
          event.timestamp = timestamp;
          event.weight = quantity;
          event.lineHash = hashString(record.text);
          event.sourceLine = record.line;
          const before = ctx.builder.size;
          const row = ctx.builder.add(event);
          if (row < 0) continue;
          if (ctx.builder.size > before) {
            // A new (customer, item) pair: its first line supplies the item's description and price if none is known yet.
            ctx.users.add(customer, { country: country.trim() || null });
            const item = ctx.builder.item.get(row);
            if (!inline.has(item)) {
              const { price, reason } = parsePrice(priceText);
              inline.set(item, { title: description.trim() || null, price, priceIssue: reason });
            }
          }
        } catch (error) {
          if (!(error instanceof LineError)) throw error;
          ctx.badLines.report(ctx.file, record.line, error.key, error.message, record.text);
        }
      }
      ctx.progress(bytesRead);
    }
  };
}

function resolveColumns(file: string, header: string[]): number[] {
  const names = header.map((h) => h.trim());
  return ONLINE_RETAIL_COLUMNS.map((name) => {
    const index = names.indexOf(name);
    if (index < 0) throw new InputError(`missing column ${name} in the Online Retail header; expected ${ONLINE_RETAIL_COLUMNS.join(',')}`, { file, line: 1 });
    return index;
  });
}

function parseQuantity(text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value)) throw new LineError('invalid_quantity', `Quantity "${text}" is not an integer`);
  return value;
}

/** CustomerID is written as a float ("17850.0"); returns the integer id as text, or null when empty. */
function parseCustomerId(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) throw new LineError('invalid_customer_id', `CustomerID "${text}" is not a number`);
  return Number.isInteger(value) ? String(value) : trimmed;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Parses `YYYY-MM-DD HH:MM[:SS]` as UK local time and returns ms UTC. British Summer Time (UTC+1)
 * runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
 */
export function parseUkLocalTime(text: string): number {
  const m = LOCAL_TIME.exec(text.trim());
  if (!m) throw new LineError('invalid_timestamp', `InvoiceDate "${text}" is not a date YYYY-MM-DD HH:MM:SS`);
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) {
    throw new LineError('invalid_timestamp', `InvoiceDate "${text}" is not a valid date`);
  }
  const bstStart = Date.UTC(year, 2, lastSunday(year, 2), 1);
  const bstEnd = Date.UTC(year, 9, lastSunday(year, 9), 1);
  // Local times in BST are one hour ahead of UTC; compare after removing the hour.
  const utc = asUtc - 3_600_000 >= bstStart && asUtc - 3_600_000 < bstEnd ? asUtc - 3_600_000 : asUtc;
  if (utc < MIN_TIMESTAMP_MS) throw new LineError('invalid_timestamp', `InvoiceDate "${text}" is before 1973`);
  return utc;
}

function lastSunday(year: number, monthIndex: number): number {
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}
