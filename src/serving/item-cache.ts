import { withTimeout } from './timeout.js';
import type { NamedValues } from './types.js';

/** Reads the merged feature values of items, in the order of `itemIds`, as of `now` (ms). */
export type ItemValuesReader = (itemIds: readonly string[], now: number) => Promise<NamedValues[]>;

export interface ItemCacheOptions {
  /** Maximum age of an item's values served from memory, ms (> 0). */
  readonly maxAgeMs: number;
  /** Clock of the cache, ms since the epoch (default Date.now). */
  readonly clockMs?: () => number;
  /** Uniform numbers in [0, 1) that spread the refresh times (default Math.random). */
  readonly random?: () => number;
  /** Called with the error of a failed background read (default: ignored; the entries expire as usual). */
  readonly onRefreshError?: (error: unknown) => void;
  /** Time limit of one background read, ms (default none), so a hung store cannot hold shutdown. */
  readonly refreshTimeoutMs?: number;
}

interface Entry {
  values: NamedValues;
  /** From this time on the entry is served and read again in the background, ms. */
  refreshAt: number;
  /** From this time on the entry is not served: a request reads the item itself, ms. */
  expires: number;
}

/** Earliest and latest refresh time of an entry, as fractions of `maxAgeMs` after its read. */
const REFRESH_FROM = 0.5;
const REFRESH_TO = 0.75;
/** Items read per background store call. */
const REFRESH_BATCH = 256;
/** Wait before a failed background read of an item is tried again, ms. */
const REFRESH_RETRY_MS = 1_000;
/** Maximum number of items in memory; a read that would pass it clears the cache first. */
export const MAX_CACHED_ITEMS = 200_000;

/**
 * In-memory item feature values with refresh ahead of expiry. An entry is served for `maxAgeMs`
 * after its read. From a random time between half and three quarters of that, a request that uses
 * it still gets it, and the item is queued to be read again in the background, in batches, between
 * requests. Only an item missing or expired is read within the request.
 *
 * A server warming up reads most of the catalog within seconds. With one fixed age, those items
 * would expire together, and each request of the next few hundred milliseconds would read and
 * encode its 100 items again. On the serving benchmark that stall set the p99.
 */
export class ItemCache {
  private readonly entries = new Map<string, Entry>();
  /** Items queued for a background read, with the feature time of the request that queued them. */
  private readonly queued = new Map<string, number>();
  /** The background loop while it runs, else null. */
  private refreshing: Promise<void> | null = null;
  private readonly clockMs: () => number;
  private readonly random: () => number;

  constructor(
    private readonly read: ItemValuesReader,
    private readonly options: ItemCacheOptions,
  ) {
    this.clockMs = options.clockMs ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Values of `itemIds` in order: from memory where fresh enough, the others read now in one call. */
  async get(itemIds: readonly string[], now: number): Promise<NamedValues[]> {
    const clock = this.clockMs();
    const result: NamedValues[] = new Array(itemIds.length);
    const missing: string[] = [];
    for (let i = 0; i < itemIds.length; i++) {
      const entry = this.entries.get(itemIds[i]);
      if (entry === undefined || entry.expires <= clock) {
        missing.push(itemIds[i]);
        continue;
      }
      result[i] = entry.values;
      if (entry.refreshAt <= clock && !this.queued.has(itemIds[i])) this.queued.set(itemIds[i], now);
    }
    if (this.queued.size > 0) this.startRefresh();
    if (missing.length === 0) return result;

    const read = await this.read(missing, now);
    this.store(missing, read, this.clockMs());
    let k = 0;
    for (let i = 0; i < result.length; i++) if (result[i] === undefined) result[i] = read[k++];
    return result;
  }

  /** Number of items in memory. */
  get size(): number {
    return this.entries.size;
  }

  /** Waits until no background read is queued or running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.refreshing !== null) await this.refreshing;
  }

  private store(itemIds: readonly string[], values: readonly NamedValues[], clock: number): void {
    // Only items not in memory yet count towards the limit: a refresh replaces entries in place.
    let added = 0;
    for (const itemId of itemIds) if (!this.entries.has(itemId)) added += 1;
    if (this.entries.size + added > MAX_CACHED_ITEMS) this.entries.clear();
    const { maxAgeMs } = this.options;
    for (let k = 0; k < itemIds.length; k++) {
      const refreshAt = clock + maxAgeMs * (REFRESH_FROM + (REFRESH_TO - REFRESH_FROM) * this.random());
      this.entries.set(itemIds[k], { values: values[k], refreshAt, expires: clock + maxAgeMs });
    }
  }

  /** Starts the background loop unless it runs. */
  private startRefresh(): void {
    if (this.refreshing === null) this.refreshing = this.refreshBatches();
  }

  /** Reads one batch per turn of the event loop, after the current request, until the queue is empty. */
  private async refreshBatches(): Promise<void> {
    try {
      while (this.queued.size > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        await this.refreshBatch(this.takeBatch());
      }
    } finally {
      this.refreshing = null;
    }
  }

  /** Removes up to REFRESH_BATCH items from the queue: their ids and the latest feature time among them. */
  private takeBatch(): { itemIds: string[]; now: number } {
    const itemIds: string[] = [];
    let now = -Infinity;
    for (const [itemId, time] of this.queued) {
      itemIds.push(itemId);
      now = Math.max(now, time);
      this.queued.delete(itemId);
      if (itemIds.length === REFRESH_BATCH) break;
    }
    return { itemIds, now };
  }

  private async refreshBatch(batch: { itemIds: string[]; now: number }): Promise<void> {
    try {
      const reading = this.read(batch.itemIds, batch.now);
      const { refreshTimeoutMs } = this.options;
      const values = await (refreshTimeoutMs === undefined ? reading : withTimeout(reading, refreshTimeoutMs, 'background read of item features'));
      this.store(batch.itemIds, values, this.clockMs());
    } catch (error) {
      // The entries stay until they expire; they are queued again after a pause.
      const retryAt = this.clockMs() + REFRESH_RETRY_MS;
      for (const itemId of batch.itemIds) {
        const entry = this.entries.get(itemId);
        if (entry !== undefined) entry.refreshAt = Math.max(entry.refreshAt, retryAt);
      }
      this.options.onRefreshError?.(error);
    }
  }
}
