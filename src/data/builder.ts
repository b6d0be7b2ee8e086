import { GrowableArray } from './growable.js';
import { hashString } from './hash.js';
import { RATING_STATUS, type DropReason } from './policy.js';

/**
 * One parsed input event, before the policy. Parsers fill one object and reuse it, so fields
 * must be set on every call.
 */
export interface InteractionEvent {
  userId: string | null;
  itemId: string | null;
  /** Raw rating: a number (NaN when the field is not numeric), or undefined when absent or the format has none. */
  rating: number | undefined;
  /** Event time in ms since the Unix epoch; NaN when the format has no time. */
  timestamp: number;
  /** Implicit weight of the event (a purchased quantity); 1 when the format has none. */
  weight: number;
  verifiedPurchase: boolean | null;
  helpfulVote: number | null;
  /** The source's own item variant id (Amazon `asin` under a `parent_asin`), or null. */
  variantId: string | null;
  /**
   * Hash of the raw line, to recognise exact duplicates, or NaN to hash it only when needed:
   * then `lineText` is the line and `lineStart`, `lineBytes` its position for a LineRereader.
   */
  lineHash: number;
  lineText: string;
  lineStart: number;
  lineBytes: number;
  /** Index of the input file among the ingest's sources, and the 1-based line number. */
  sourceFile: number;
  sourceLine: number;
}

export function emptyEvent(): InteractionEvent {
  return {
    userId: null,
    itemId: null,
    rating: undefined,
    timestamp: Number.NaN,
    weight: 1,
    verifiedPurchase: null,
    helpfulVote: null,
    variantId: null,
    lineHash: 0,
    lineText: '',
    lineStart: 0,
    lineBytes: 0,
    sourceFile: 0,
    sourceLine: 0,
  };
}

/** Items per user key block: pair keys are user * ITEM_KEY_SPACE + item, exact in a double below 2^53. */
const ITEM_KEY_SPACE = 2 ** 26;
const NULL_INT = -1;

/**
 * Applies the (user, item) policy while events stream in. Raw ids become dense indices in order
 * of first appearance. Each pair keeps one interaction where the pair first appears, with the
 * values of its earliest event (input order breaks ties). A line identical to an earlier line of
 * the pair is an exact duplicate. Any other later line is a repeat and only adds its weight.
 * Memory grows with distinct users, items and pairs, not with the input size.
 */
export class InteractionBuilder {
  readonly userIds: string[] = [];
  readonly itemIds: string[] = [];
  readonly drops: Partial<Record<DropReason, number>> = {};
  linesAccepted = 0;

  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private readonly pairRow = new Map<number, number>();
  /** Line hashes of a pair's later distinct events (the first one is in `lineHash`). */
  private readonly moreHashes = new Map<number, number[]>();

  readonly user = new GrowableArray(Int32Array);
  readonly item = new GrowableArray(Int32Array);
  readonly rawRating = new GrowableArray(Float64Array);
  /** 0: numeric rating (or implicit), else RATING_STATUS of the problem found while parsing. */
  readonly ratingStatus = new GrowableArray(Int8Array);
  readonly weight = new GrowableArray(Float64Array);
  readonly eventCount = new GrowableArray(Int32Array);
  readonly timestamp = new GrowableArray(Float64Array);
  /** -1 unknown, 0 false, 1 true. */
  readonly verified = new GrowableArray(Int8Array);
  /** -1 unknown. */
  readonly helpful = new GrowableArray(Float64Array);
  readonly variant: (string | null)[] = [];
  readonly sourceFile = new GrowableArray(Int32Array);
  readonly sourceLine = new GrowableArray(Int32Array);
  private readonly lineHash = new GrowableArray(Float64Array);

  /** Position of each pair's first line, to hash it only when a later line of the pair arrives. */
  private readonly firstLineStart = new GrowableArray(Float64Array);
  private readonly firstLineBytes = new GrowableArray(Int32Array);
  private readonly firstLineFile = new GrowableArray(Int32Array);

  /** Whether the format has ratings: then an absent rating is recorded as `missing`. */
  private readonly explicit: boolean;
  /** Reads a line again from its position, for events whose hash was deferred. */
  private readonly rereadLine: ((sourceFile: number, start: number, bytes: number) => string) | null;

  constructor(explicit: boolean, rereadLine: ((sourceFile: number, start: number, bytes: number) => string) | null = null) {
    this.explicit = explicit;
    this.rereadLine = rereadLine;
  }

  get size(): number {
    return this.user.length;
  }

  /** Counts a line that a format rule dropped before it became an event. */
  drop(reason: DropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Adds one event; returns the interaction row it landed in, or -1 when it was dropped. */
  add(event: InteractionEvent): number {
    if (event.userId === null) {
      this.drop('missing_user_id');
      return -1;
    }
    if (event.itemId === null) {
      this.drop('missing_item_id');
      return -1;
    }
    const u = this.intern(this.userIndex, this.userIds, event.userId);
    const i = this.intern(this.itemIndex, this.itemIds, event.itemId);
    if (i >= ITEM_KEY_SPACE) throw new RangeError(`more than ${ITEM_KEY_SPACE} distinct items are not supported`);
    const key = u * ITEM_KEY_SPACE + i;
    const row = this.pairRow.get(key);
    if (row === undefined) {
      this.linesAccepted += 1;
      this.pairRow.set(key, this.user.length);
      this.appendRow(u, i, event);
      return this.user.length - 1;
    }
    const hash = Number.isNaN(event.lineHash) ? hashString(event.lineText) : event.lineHash;
    if (this.isRepeatedLine(row, hash)) {
      this.drop('exact_duplicate');
      return -1;
    }
    this.drop('repeat_interaction');
    this.eventCount.set(row, this.eventCount.get(row) + 1);
    this.weight.set(row, this.weight.get(row) + event.weight);
    if (event.timestamp < this.timestamp.get(row)) this.setValues(row, event);
    return row;
  }

  /** Dense index of a user, or undefined when the user has no interaction. */
  userIndexOf(userId: string): number | undefined {
    return this.userIndex.get(userId);
  }

  /** Dense index of an item, giving a new item the next index (metadata-only items come after the ones with interactions). */
  internItem(itemId: string): number {
    return this.intern(this.itemIndex, this.itemIds, itemId);
  }

  private intern(index: Map<string, number>, ids: string[], id: string): number {
    let found = index.get(id);
    if (found === undefined) {
      found = ids.length;
      index.set(id, found);
      ids.push(id);
    }
    return found;
  }

  private isRepeatedLine(row: number, hash: number): boolean {
    if (this.firstLineHash(row) === hash) return true;
    const more = this.moreHashes.get(row);
    if (more?.includes(hash)) return true;
    if (more) more.push(hash);
    else this.moreHashes.set(row, [hash]);
    return false;
  }

  /** Hash of the pair's first line, which is read again and hashed here if its hash was deferred. */
  private firstLineHash(row: number): number {
    const stored = this.lineHash.get(row);
    if (!Number.isNaN(stored)) return stored;
    if (this.rereadLine === null) throw new Error('a line hash was deferred, but the builder has no way to read the line again');
    const hash = hashString(this.rereadLine(this.firstLineFile.get(row), this.firstLineStart.get(row), this.firstLineBytes.get(row)));
    this.lineHash.set(row, hash);
    return hash;
  }

  private appendRow(u: number, i: number, event: InteractionEvent): void {
    this.user.push(u);
    this.item.push(i);
    this.weight.push(event.weight);
    this.eventCount.push(1);
    this.lineHash.push(event.lineHash);
    this.firstLineStart.push(event.lineStart);
    this.firstLineBytes.push(event.lineBytes);
    this.firstLineFile.push(event.sourceFile);
    this.rawRating.push(0);
    this.ratingStatus.push(0);
    this.timestamp.push(0);
    this.verified.push(NULL_INT);
    this.helpful.push(NULL_INT);
    this.variant.push(null);
    this.sourceFile.push(0);
    this.sourceLine.push(0);
    this.setValues(this.user.length - 1, event);
  }

  /** Sets the values that come from the pair's earliest event. */
  private setValues(row: number, event: InteractionEvent): void {
    const rating = event.rating;
    if (rating === undefined) {
      this.rawRating.set(row, Number.NaN);
      this.ratingStatus.set(row, this.explicit ? RATING_STATUS.missing : 0);
    } else {
      this.rawRating.set(row, rating);
      this.ratingStatus.set(row, Number.isNaN(rating) ? RATING_STATUS.not_numeric : 0);
    }
    this.timestamp.set(row, event.timestamp);
    let verified = NULL_INT;
    if (event.verifiedPurchase !== null) verified = event.verifiedPurchase ? 1 : 0;
    this.verified.set(row, verified);
    this.helpful.set(row, event.helpfulVote ?? NULL_INT);
    this.variant[row] = event.variantId;
    this.sourceFile.set(row, event.sourceFile);
    this.sourceLine.set(row, event.sourceLine);
  }
}
