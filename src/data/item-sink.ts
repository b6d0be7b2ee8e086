import { JsonText, type CellValue, type Row, type TableWriter } from '../store/types.js';
import type { InteractionBuilder } from './builder.js';
import type { PriceMissingReason } from './price.js';
import type { ItemRecord } from './types.js';

const FLUSH_ROWS = 2_000;

/** Reasons a metadata record is not stored: its id is missing, or its item already has a record (the first one wins). */
export type MetadataDropReason = 'missing_item_id' | 'duplicate_item';

/**
 * Receives normalized item metadata, gives metadata-only items their indices after the items
 * with interactions, keeps the first record per item, and writes rows to the items table in
 * batches. Items without any record are written by `finish`.
 */
export class ItemSink {
  readonly drops: Partial<Record<MetadataDropReason, number>> = {};
  readonly priceMissing: Partial<Record<PriceMissingReason, number>> = {};
  pricesParsed = 0;
  records = 0;

  private readonly builder: InteractionBuilder;
  private readonly writer: TableWriter;
  private readonly onRow: (row: Row) => void;
  private hasRecord = new Uint8Array(1024);
  private pending: Row[] = [];
  /** Items with interactions: indices below this number. Set once the interaction files are read. */
  private interactionItems = 0;

  constructor(builder: InteractionBuilder, writer: TableWriter, onRow: (row: Row) => void) {
    this.builder = builder;
    this.writer = writer;
    this.onRow = onRow;
  }

  /** Marks the end of the interaction files: items seen so far are the ones with interactions. */
  startMetadata(): void {
    this.interactionItems = this.builder.itemIds.length;
  }

  get itemsWithInteractions(): number {
    return this.interactionItems;
  }

  hasMetadata(index: number): boolean {
    return index < this.hasRecord.length && this.hasRecord[index] === 1;
  }

  /** Adds one record; `priceIssue` is why its price is null, if it is. */
  add(record: ItemRecord | null, priceIssue: PriceMissingReason | null): void {
    if (record === null) {
      this.drop('missing_item_id');
      return;
    }
    const index = this.builder.internItem(record.itemId);
    this.ensureCapacity(index);
    if (this.hasRecord[index] === 1) {
      this.drop('duplicate_item');
      return;
    }
    this.hasRecord[index] = 1;
    this.records += 1;
    if (priceIssue === null) this.pricesParsed += 1;
    else this.priceMissing[priceIssue] = (this.priceMissing[priceIssue] ?? 0) + 1;
    this.push(itemRow(index, record, true, index < this.interactionItems, priceIssue));
  }

  drop(reason: MetadataDropReason): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.writer.append(rows);
  }

  /**
   * Writes a row for every item without a metadata record: `inline` supplies metadata that came
   * with the interaction lines (Online Retail descriptions and prices).
   */
  async finish(inline: (index: number) => { record: ItemRecord; priceIssue: PriceMissingReason | null } | null): Promise<void> {
    const total = this.builder.itemIds.length;
    for (let index = 0; index < total; index++) {
      if (this.hasMetadata(index)) continue;
      const found = inline(index);
      if (found) {
        this.ensureCapacity(index);
        this.hasRecord[index] = 1;
        this.records += 1;
        if (found.priceIssue === null) this.pricesParsed += 1;
        else this.priceMissing[found.priceIssue] = (this.priceMissing[found.priceIssue] ?? 0) + 1;
        this.push(itemRow(index, found.record, true, index < this.interactionItems, found.priceIssue));
      } else {
        this.push(itemRow(index, emptyItemRecord(this.builder.itemIds[index]), false, index < this.interactionItems, null));
      }
      if (this.pending.length >= FLUSH_ROWS) await this.flush();
    }
    await this.flush();
  }

  private push(row: Row): void {
    this.onRow(row);
    this.pending.push(row);
  }

  private ensureCapacity(index: number): void {
    if (index < this.hasRecord.length) return;
    const bigger = new Uint8Array(Math.max(index + 1, this.hasRecord.length * 2));
    bigger.set(this.hasRecord);
    this.hasRecord = bigger;
  }
}

/** Returns an ItemRecord with every metadata field missing. */
export function emptyItemRecord(itemId: string): ItemRecord {
  return { itemId, title: null, mainCategory: null, store: null, categories: [], price: null, averageRating: null, ratingNumber: null, extra: {} };
}

/** Builds an items row. The JSON cells are serialized here once, for both the dataset fingerprint and the store. */
function itemRow(index: number, r: ItemRecord, hasMetadata: boolean, hasInteractions: boolean, priceIssue: PriceMissingReason | null): Row {
  const row: CellValue[] = [
    index,
    r.itemId,
    hasMetadata,
    hasInteractions,
    r.title,
    r.mainCategory,
    r.store,
    new JsonText(JSON.stringify(r.categories)),
    r.price,
    priceIssue,
    r.averageRating,
    r.ratingNumber,
    new JsonText(JSON.stringify(r.extra)),
  ];
  return row;
}
