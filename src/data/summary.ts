import type { BadLine } from './bad-lines.js';
import type { FileRole, FormatName } from './formats/context.js';
import type { MetadataDropReason } from './item-sink.js';
import type { DropReason, RatingIssue } from './policy.js';
import type { PriceMissingReason } from './price.js';
import type { FeedbackKind } from './types.js';

/** One input file as the ingest read it. */
export interface SourceSummary {
  readonly path: string;
  readonly format: FormatName;
  readonly role: FileRole;
  /** Layout inside the format family, such as `reviews`, `meta` or `u.data`. */
  readonly layout: string;
  /** Data lines read (non-empty, header excluded). */
  readonly lines: number;
  /** File size on disk in bytes (compressed size for gzip). */
  readonly bytes: number;
}

/** Report of one ingest: what `twostage ingest` prints and `dataset_info.summary` stores. */
export interface IngestSummary {
  readonly format: FormatName;
  readonly feedback: FeedbackKind;
  /** Declared (or, for generic CSV without --rating-scale, observed) rating scale; null for implicit feedback. */
  readonly ratingScale: readonly [number, number] | null;
  readonly sources: readonly SourceSummary[];
  readonly users: number;
  /** All item indices: items with interactions plus metadata-only items. */
  readonly items: number;
  readonly itemsWithInteractions: number;
  /** Items with interactions but no metadata record (0 when no metadata source was given, see `metadataSources`). */
  readonly itemsWithoutMetadata: number;
  /** Items that have metadata but no interaction; they get indices after the items with interactions. */
  readonly metadataOnlyItems: number;
  /** Number of metadata sources read (files, or the interaction file itself for Online Retail). */
  readonly metadataSources: number;
  readonly interactions: number;
  /** Interactions with a valid rating (explicit feedback); 0 for implicit feedback. */
  readonly ratings: number;
  /** Kept interactions whose rating is NaN, by reason. */
  readonly ratingsRejected: Readonly<Record<RatingIssue, number>>;
  /** Earliest and latest kept event, ms UTC and ISO 8601; null when the input has no times. */
  readonly timeRange: { readonly firstMs: number; readonly lastMs: number; readonly first: string; readonly last: string } | null;
  /** Interaction lines read (the sum over interaction files). */
  readonly linesRead: number;
  /** Interaction lines that did not become a new interaction, by reason (malformed lines under `malformed`). */
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  readonly metadata: {
    readonly linesRead: number;
    readonly records: number;
    readonly dropped: Readonly<Partial<Record<MetadataDropReason, number>>>;
    /** Users in a user file without any interaction (not stored). */
    readonly usersWithoutInteractions: number;
  };
  readonly prices: {
    /** Metadata records with a usable price (0 included). */
    readonly parsed: number;
    /** Metadata records whose price is missing, by reason. */
    readonly missing: Readonly<Partial<Record<PriceMissingReason, number>>>;
  };
  /** Malformed lines of every file: count by reason and the first ones (only with --on-bad-line skip). */
  readonly badLines: { readonly total: number; readonly byReason: Readonly<Record<string, number>>; readonly first: readonly BadLine[] };
  readonly fingerprint: string;
  readonly ingestedAt: number;
  readonly seconds: number;
}

/** Renders the summary as the text `twostage ingest` prints without --json. */
export function formatSummary(s: IngestSummary): string {
  const lines: string[] = [];
  const n = (value: number) => value.toLocaleString('en-US');
  const counts = (record: Readonly<Record<string, number | undefined>>) => {
    const entries = Object.entries(record).filter(([, v]) => (v ?? 0) > 0);
    return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${n(v ?? 0)}`).join(', ');
  };

  lines.push(`ingested ${s.format} (${s.feedback} feedback) in ${s.seconds.toFixed(1)} s`);
  for (const source of s.sources) lines.push(`  ${source.role.padEnd(12)} ${source.path}: ${n(source.lines)} lines (${source.layout})`);
  lines.push(`users         ${n(s.users)}`);
  lines.push(
    `items         ${n(s.items)} (${n(s.itemsWithInteractions)} with interactions, ${n(s.metadataOnlyItems)} metadata only, ${n(s.itemsWithoutMetadata)} without metadata)`,
  );
  lines.push(`interactions  ${n(s.interactions)} from ${n(s.linesRead)} lines read`);
  if (s.ratingScale) {
    lines.push(`ratings       ${n(s.ratings)} on the scale ${s.ratingScale[0]}–${s.ratingScale[1]}; rejected: ${counts(s.ratingsRejected)}`);
  }
  lines.push(`time range    ${s.timeRange ? `${s.timeRange.first} to ${s.timeRange.last}` : 'none (no time column)'}`);
  lines.push(`dropped       ${counts(s.dropped)}`);
  if (s.metadataSources > 0) {
    lines.push(`metadata      ${n(s.metadata.records)} records; dropped: ${counts(s.metadata.dropped)}`);
    lines.push(`prices        ${n(s.prices.parsed)} parsed; missing: ${counts(s.prices.missing)}`);
  }
  if (s.badLines.total > 0) {
    lines.push(`bad lines     ${n(s.badLines.total)} skipped: ${counts(s.badLines.byReason)}`);
    for (const bad of s.badLines.first) lines.push(`  ${bad.file}:${bad.line}: ${bad.reason}`);
  }
  lines.push(`fingerprint   ${s.fingerprint}`);
  return lines.join('\n');
}
