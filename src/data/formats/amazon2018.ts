import { emptyEvent } from '../builder.js';
import { readId, readRating } from '../policy.js';
import type { FileReader } from './context.js';
import { optionalBoolean, optionalCount, requireTimestamp } from './fields.js';
import { forEachJsonObject, setLineHash } from './jsonl.js';

/** Amazon Review Data 2018 ratings (`overall`) are whole stars from 1 to 5. */
export const AMAZON_2018_RATING_SCALE: readonly [number, number] = [1, 5];

/**
 * Reads an Amazon Review Data 2018 review file (`*_5.json(.gz)`, one JSON object per line). The
 * fields are `reviewerID`, `asin` (the item, because this release has no parent id), `overall`,
 * `unixReviewTime` in seconds, `verified`, and `vote` (a string such as "1,234").
 */
export const readAmazon2018Reviews: FileReader = async (ctx) => {
  const event = emptyEvent();
  event.sourceFile = ctx.fileIndex;
  await forEachJsonObject(ctx, (review, line, text, position) => {
    event.userId = readId(review.reviewerID);
    event.itemId = readId(review.asin);
    event.rating = readRating(review.overall);
    event.timestamp = requireTimestamp(review.unixReviewTime, 's', ctx.maxTimestampMs, 'unixReviewTime');
    event.weight = 1;
    event.verifiedPurchase = optionalBoolean(review.verified);
    event.helpfulVote = review.vote === undefined ? 0 : optionalCount(review.vote);
    event.variantId = null;
    setLineHash(event, text, position);
    event.sourceLine = line;
    ctx.builder.add(event);
  });
};
