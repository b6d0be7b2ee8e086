import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../errors.js';
import { getLogger } from '../log.js';
import { startProgress } from '../progress.js';
import type { OfflineStore, Row, TableWriter } from '../store/types.js';
import { BadLineTracker, type OnBadLine } from './bad-lines.js';
import { InteractionBuilder } from './builder.js';
import { detectInputs, type DetectedFile } from './detect.js';
import type { CsvMapping, FileReader, FormatName, ReadContext } from './formats/context.js';
import { onlineRetailReader, type InlineItemMetadata } from './formats/online-retail.js';
import { emptyItemRecord, ItemSink } from './item-sink.js';
import { fileSize } from './lines.js';
import { maxTimestampMs, RATING_ISSUES, RATING_STATUS, type RatingIssue } from './policy.js';
import type { IngestSummary, SourceSummary } from './summary.js';
import { DATASET_INFO_TABLE, DATASET_TABLES, INTERACTIONS_TABLE, ITEMS_TABLE, USERS_TABLE } from './tables.js';
import { UserSink } from './user-sink.js';

export interface IngestOptions {
  /** Format family; detected from each file when absent. */
  format?: FormatName;
  /** Policy for a malformed line (default `error`: stop at the first one). */
  onBadLine?: OnBadLine;
  /** Column mapping for `csv` (and for files no other format recognises). */
  csv?: CsvMapping;
  /** Rating scale [min, max] for generic CSV; other formats declare their own. */
  ratingScale?: readonly [number, number];
  /** Log-line progress even on a terminal (for tests and --json runs). */
  quiet?: boolean;
  /** Clock for the ingest time and the latest accepted event time (tests pin it). */
  now?: () => number;
}

const WRITE_BATCH_ROWS = 8_192;

/**
 * Streams input files into the offline store as the normalized dataset (tables in ./tables.ts),
 * replacing the previous dataset in one transaction: on any error, including a malformed line
 * with `onBadLine: 'error'`, the previous dataset stays as it was. Interaction files are read
 * first, in the order given, then user and item files, so items with interactions get the
 * lowest indices.
 */
export async function ingestFiles(store: OfflineStore, paths: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const now = options.now ?? Date.now;
  const started = Date.now();
  const startCpu = process.cpuUsage();
  const detected = await detectInputs(paths, options);
  const files = [...detected.filter((f) => f.role === 'interactions'), ...detected.filter((f) => f.role === 'users'), ...detected.filter((f) => f.role === 'items')];
  const declaredScale = ratingScaleOf(files);
  const explicit = declaredScale !== null;

  const sizes = await Promise.all(files.map((f) => fileSize(f.path)));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const log = getLogger();
  log.info({ files: files.map((f) => `${f.path} (${f.format} ${f.layout})`), bytes: totalBytes }, 'ingest started');

  const builder = new InteractionBuilder(explicit);
  const badLines = new BadLineTracker(options.onBadLine ?? 'error');
  const inline = new Map<number, InlineItemMetadata>();
  let summary: IngestSummary | undefined;

  await store.replaceTables(DATASET_TABLES, async (writers) => {
    const fingerprint = createHash('sha256');
    const items = new ItemSink(builder, writers[ITEMS_TABLE.name], (row) => fingerprint.update(JSON.stringify(row)));
    const users = new UserSink(builder);
    const progress = startProgress({ label: 'ingest', total: totalBytes, unit: 'bytes', quiet: options.quiet });
    const sources: SourceSummary[] = [];
    let bytesBefore = 0;
    let metadataStarted = false;

    for (const [index, file] of files.entries()) {
      if (file.role !== 'interactions' && !metadataStarted) {
        items.startMetadata();
        metadataStarted = true;
      }
      const ctx: ReadContext = {
        file: file.path,
        fileIndex: index,
        builder,
        badLines,
        items,
        users,
        maxTimestampMs: maxTimestampMs(now()),
        progress: (bytesRead) => progress.update(bytesBefore + bytesRead),
        lines: 0,
      };
      await readerOf(file, inline)(ctx);
      await items.flush();
      bytesBefore += sizes[index];
      sources.push({ path: file.path, format: file.format, role: file.role, layout: file.layout, lines: ctx.lines, bytes: sizes[index] });
    }
    if (!metadataStarted) items.startMetadata();
    const linesRead = sources.filter((s) => s.role === 'interactions').reduce((a, s) => a + s.lines, 0);
    if (builder.size === 0) {
      throw new InputError(`no interaction was kept from ${linesRead} lines read in ${files.map((f) => f.path).join(', ')}; dropped: ${JSON.stringify(dropCounts(builder, badLines, files))}`);
    }

    const readSeconds = (Date.now() - started) / 1000;
    const readCpu = process.cpuUsage(startCpu);
    const ratings = finishRatings(builder, declaredScale);
    await items.finish((index) => inlineRecord(builder, inline, index));
    await writeInteractions(writers[INTERACTIONS_TABLE.name], builder, ratings.values, fingerprint);
    await writeUsers(writers[USERS_TABLE.name], builder, users);
    progress.finish({ interactions: builder.size });
    const stagedCpu = process.cpuUsage(startCpu);
    log.debug(
      { readSeconds, readCpuSeconds: cpuSeconds(readCpu), stageSeconds: (Date.now() - started) / 1000 - readSeconds, stageCpuSeconds: cpuSeconds(stagedCpu) - cpuSeconds(readCpu) },
      'ingest rows staged',
    );

    const metadataSources = sources.filter((s) => s.role === 'items').length + (inline.size > 0 ? 1 : 0);
    const itemsWithInteractions = items.itemsWithInteractions;
    let withoutMetadata = 0;
    for (let i = 0; i < itemsWithInteractions; i++) if (!items.hasMetadata(i)) withoutMetadata += 1;
    const ingestedAt = now();
    summary = {
      format: files[0].format,
      feedback: explicit ? 'explicit' : 'implicit',
      ratingScale: ratings.scale,
      sources,
      users: builder.userIds.length,
      items: builder.itemIds.length,
      itemsWithInteractions,
      itemsWithoutMetadata: metadataSources > 0 ? withoutMetadata : 0,
      metadataOnlyItems: builder.itemIds.length - itemsWithInteractions,
      metadataSources,
      interactions: builder.size,
      ratings: ratings.valid,
      ratingsRejected: ratings.rejected,
      timeRange: timeRangeOf(builder),
      linesRead,
      dropped: dropCounts(builder, badLines, files),
      metadata: {
        linesRead: sources.filter((s) => s.role !== 'interactions').reduce((a, s) => a + s.lines, 0),
        records: items.records,
        dropped: { ...items.drops },
        usersWithoutInteractions: users.usersWithoutInteractions,
      },
      prices: { parsed: items.pricesParsed, missing: { ...items.priceMissing } },
      badLines: { total: badLines.total, byReason: { ...badLines.byReason }, first: [...badLines.examples] },
      fingerprint: fingerprint.digest('hex').slice(0, 32),
      ingestedAt,
      seconds: (Date.now() - started) / 1000,
    };
    await writers[DATASET_INFO_TABLE.name].append([
      [
        summary.feedback,
        summary.ratingScale?.[0] ?? null,
        summary.ratingScale?.[1] ?? null,
        summary.format,
        files.map((f) => f.path),
        ingestedAt,
        summary.fingerprint,
        summary as unknown as Record<string, unknown>,
      ],
    ]);
  });

  if (summary === undefined) throw new Error('ingest finished without a summary');
  log.info({ interactions: summary.interactions, users: summary.users, items: summary.items, seconds: summary.seconds }, 'ingest finished');
  return summary;
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function readerOf(file: DetectedFile, inline: Map<number, InlineItemMetadata>): FileReader {
  if (file.read) return file.read;
  return onlineRetailReader(inline);
}

/** The rating scale the interaction files declare; they must agree. */
function ratingScaleOf(files: readonly DetectedFile[]): readonly [number, number] | null | 'observed' {
  const scales = files.filter((f) => f.role === 'interactions').map((f) => f.ratingScale);
  const first = scales[0];
  for (const scale of scales) {
    if (JSON.stringify(scale) !== JSON.stringify(first)) {
      throw new InputError(`the interaction files declare different rating scales (${JSON.stringify(scales)}); ingest them separately`);
    }
  }
  return first ?? null;
}

interface FinishedRatings {
  scale: readonly [number, number] | null;
  /** Valid rating per interaction, NaN where rejected or implicit. */
  values: Float64Array;
  valid: number;
  rejected: Record<RatingIssue, number>;
}

/** Checks every kept rating against the scale (observed from the data when not declared) and counts the rejected ones. */
function finishRatings(builder: InteractionBuilder, declared: readonly [number, number] | null | 'observed'): FinishedRatings {
  const raw = builder.rawRating.view();
  const status = builder.ratingStatus.view();
  const values = new Float64Array(raw.length).fill(Number.NaN);
  const rejected: Record<RatingIssue, number> = { out_of_scale: 0, not_numeric: 0, missing: 0 };
  if (declared === null) return { scale: null, values, valid: 0, rejected };

  let scale: readonly [number, number];
  if (declared === 'observed') {
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < raw.length; j++) {
      if (status[j] !== 0) continue;
      if (raw[j] < min) min = raw[j];
      if (raw[j] > max) max = raw[j];
    }
    scale = min <= max ? [min, max] : [0, 0];
  } else {
    scale = declared;
  }

  let valid = 0;
  for (let j = 0; j < raw.length; j++) {
    if (status[j] === 0 && (raw[j] < scale[0] || raw[j] > scale[1])) status[j] = RATING_STATUS.out_of_scale;
    if (status[j] === 0) {
      values[j] = raw[j];
      valid += 1;
    } else {
      rejected[RATING_ISSUES[status[j] - 1]] += 1;
    }
  }
  return { scale, values, valid, rejected };
}

async function writeInteractions(writer: TableWriter, b: InteractionBuilder, ratings: Float64Array, fingerprint: Hash): Promise<void> {
  const raw = b.rawRating.view();
  const status = b.ratingStatus.view();
  const weight = b.weight.view();
  const timestamp = b.timestamp.view();
  const user = b.user.view();
  const item = b.item.view();
  fingerprint.update(b.userIds.join('\n')).update('\u0000').update(b.itemIds.join('\n'));
  for (const array of [user, item, ratings, weight, timestamp]) fingerprint.update(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));

  let rows: Row[] = [];
  for (let j = 0; j < b.size; j++) {
    const verified = b.verified.get(j);
    const helpful = b.helpful.get(j);
    rows.push([
      j,
      user[j],
      item[j],
      b.userIds[user[j]],
      b.itemIds[item[j]],
      Number.isNaN(ratings[j]) ? null : ratings[j],
      Number.isNaN(raw[j]) ? null : raw[j],
      status[j] === 0 ? null : RATING_ISSUES[status[j] - 1],
      weight[j],
      b.eventCount.get(j),
      Number.isNaN(timestamp[j]) ? null : timestamp[j],
      verified < 0 ? null : verified === 1,
      helpful < 0 ? null : helpful,
      b.variant[j],
      b.sourceFile.get(j),
      b.sourceLine.get(j),
    ]);
    if (rows.length === WRITE_BATCH_ROWS) {
      await writer.append(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await writer.append(rows);
}

async function writeUsers(writer: TableWriter, b: InteractionBuilder, users: UserSink): Promise<void> {
  let rows: Row[] = [];
  for (let u = 0; u < b.userIds.length; u++) {
    rows.push([u, b.userIds[u], users.attributes.get(u) ?? null]);
    if (rows.length === WRITE_BATCH_ROWS) {
      await writer.append(rows);
      rows = [];
    }
  }
  if (rows.length > 0) await writer.append(rows);
}

function inlineRecord(b: InteractionBuilder, inline: Map<number, InlineItemMetadata>, index: number) {
  const found = inline.get(index);
  if (!found) return null;
  return { record: { ...emptyItemRecord(b.itemIds[index]), title: found.title, price: found.price }, priceIssue: found.priceIssue };
}

function timeRangeOf(b: InteractionBuilder): IngestSummary['timeRange'] {
  const timestamp = b.timestamp.view();
  let first = Infinity;
  let last = -Infinity;
  for (let j = 0; j < timestamp.length; j++) {
    const t = timestamp[j];
    if (t < first) first = t;
    if (t > last) last = t;
  }
  if (first > last) return null;
  return { firstMs: first, lastMs: last, first: new Date(first).toISOString(), last: new Date(last).toISOString() };
}

/** Interaction lines dropped by reason; malformed lines of metadata and user files are only in `badLines`. */
function dropCounts(b: InteractionBuilder, badLines: BadLineTracker, files: readonly DetectedFile[]): IngestSummary['dropped'] {
  const malformed = files.filter((f) => f.role === 'interactions').reduce((a, f) => a + (badLines.byFile.get(f.path) ?? 0), 0);
  return malformed > 0 ? { malformed, ...b.drops } : { ...b.drops };
}
