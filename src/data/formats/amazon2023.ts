import { emptyEvent } from '../builder.js';
import { parsePrice } from '../price.js';
import { readId, readRating } from '../policy.js';
import type { ItemRecord } from '../types.js';
import type { FileReader } from './context.js';
import { optionalBoolean, optionalCount, optionalNumber, optionalText, requireTimestamp, stringList } from './fields.js';
import { forEachJsonObject, setLineHash } from './jsonl.js';

/** Amazon Reviews 2023 ratings are whole stars from 1 to 5. */
export const AMAZON_RATING_SCALE: readonly [number, number] = [1, 5];

/**
 * Reads an Amazon Reviews 2023 review file (JSON Lines, optionally gzip). The item is
 * `parent_asin`, so variant asins of one product collapse into one item. `asin` is kept as the
 * variant id, and is the item only when `parent_asin` is absent or empty. `timestamp` is in ms.
 */
export const readAmazon2023Reviews: FileReader = async (ctx) => {
  const event = emptyEvent();
  event.sourceFile = ctx.fileIndex;
  await forEachJsonObject(ctx, (review, line, text, position) => {
    const variant = readId(review.asin);
    event.userId = readId(review.user_id);
    event.itemId = readId(review.parent_asin) ?? variant;
    event.rating = readRating(review.rating);
    event.timestamp = requireTimestamp(review.timestamp, 'ms', ctx.maxTimestampMs, 'timestamp');
    event.weight = 1;
    event.verifiedPurchase = optionalBoolean(review.verified_purchase);
    event.helpfulVote = optionalCount(review.helpful_vote);
    event.variantId = variant;
    setLineHash(event, text, position);
    event.sourceLine = line;
    ctx.builder.add(event);
  });
};

/** Metadata fields with their own ItemRecord properties; the rest go to `extra`. */
const NORMALIZED_FIELDS = new Set(['parent_asin', 'title', 'main_category', 'store', 'categories', 'price', 'average_rating', 'rating_number']);

/** Reads an Amazon Reviews 2023 metadata file (`meta_*.jsonl`), one item per `parent_asin`. */
export const readAmazon2023Metadata: FileReader = async (ctx) => {
  await forEachJsonObject(ctx, (meta) => {
    const itemId = readId(meta.parent_asin);
    if (itemId === null) {
      ctx.items.add(null, null);
      return;
    }
    const { price, reason } = parsePrice(meta.price);
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta)) if (!NORMALIZED_FIELDS.has(key)) extra[key] = value;
    const record: ItemRecord = {
      itemId,
      title: optionalText(meta.title),
      mainCategory: optionalText(meta.main_category),
      store: optionalText(meta.store),
      categories: stringList(meta.categories),
      price,
      averageRating: optionalNumber(meta.average_rating),
      ratingNumber: optionalCount(meta.rating_number),
      extra,
    };
    ctx.items.add(record, reason);
  });
};
